/**
 * The tracker on a real database: buffered writes within 250 ms, batches, the durable
 * in-transaction path, group commit for the collector, and what happens to invalid events
 * and to a database that refuses a write.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../src/analytics/catalog.ts';
import { createTracker, type Tracker, type TrackerOptions } from '../../src/analytics/tracker.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { eventually } from '../support/gateway.ts';
import { exampleProperties } from './support.ts';

const TENANT = 'tenant-tracker';

const viewed = (): TrackedEvent => ({
  event: 'integration_viewed',
  tenantId: TENANT,
  properties: exampleProperties.integration_viewed,
});

describe('tracker', () => {
  let store: TestStore;
  let tracker: Tracker;
  const warnings: Array<{ details: object; message: string }> = [];

  const start = (options: Partial<TrackerOptions> = {}) => {
    tracker = createTracker({
      db: store.db,
      clock: systemClock,
      logger: { warn: (details, message) => warnings.push({ details, message }) },
      ...options,
    });
    return tracker;
  };
  const stored = () => store.db.analyticsEvent.count({ where: { tenantId: TENANT } });

  beforeEach(async () => {
    store = await createTestStore();
    warnings.length = 0;
  });

  afterEach(async () => {
    await tracker?.close();
    await store.dispose();
  });

  it('writes a buffered event within 250 ms, not at once', async () => {
    start();
    // The client's first queries compile their plans, blocking the event loop for a while.
    await tracker.record([{ ...viewed(), tenantId: 'warm-up' }]);
    expect(await stored()).toBe(0);
    const trackedAt = Date.now();
    tracker.track(viewed());
    expect(await stored()).toBe(0);
    await eventually(async () => (await stored()) === 1, 2_000, 'the buffered event');
    // createdAt is taken when the batch is written: the timer's moment, not the poll's.
    const row = await store.db.analyticsEvent.findFirstOrThrow({ where: { tenantId: TENANT } });
    const waited = row.createdAt.getTime() - trackedAt;
    expect(waited).toBeGreaterThanOrEqual(240);
    expect(waited).toBeLessThan(500);
    expect(row.occurredAt.getTime() - trackedAt).toBeLessThan(50);
    expect(tracker.stats()).toMatchObject({ written: 2, buffered: 0, invalid: 0, dropped: 0 });
  });

  it('writes once a batch is full, without waiting for the timer, in batches of maxBatch', async () => {
    const batches: number[] = [];
    start({ flushMs: 60_000, maxBatch: 50, onWritten: async (_tx, rows) => void batches.push(rows.length) });
    for (let index = 0; index < 49; index += 1) tracker.track(viewed());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await stored()).toBe(0);
    for (let index = 0; index < 71; index += 1) tracker.track(viewed());
    await eventually(async () => (await stored()) === 120, 2_000, 'the full batches');
    expect(batches).toEqual([50, 50, 20]);
  });

  it('stores tenant, time, source and the grouping columns with each event', async () => {
    start();
    const occurredAt = new Date('2025-03-02T23:59:59.999Z');
    tracker.track({
      event: 'integration_used_in_chat',
      tenantId: TENANT,
      occurredAt,
      properties: exampleProperties.integration_used_in_chat,
    });
    await tracker.flush();
    const row = await store.db.analyticsEvent.findFirstOrThrow({ where: { tenantId: TENANT } });
    expect(row).toMatchObject({
      name: 'integration_used_in_chat',
      source: 'gateway',
      occurredAt,
      day: '2025-03-02',
      provider: 'google',
      service: 'gmail',
      actionType: 'read_emails',
      chatId: exampleProperties.integration_used_in_chat.chat_id,
      success: true,
      channel: null,
      errorType: null,
    });
    expect(JSON.parse(row.properties)).toEqual(exampleProperties.integration_used_in_chat);
  });

  it('never throws from track: invalid and malformed events are dropped, counted and logged without content', async () => {
    start();
    const secret = 'anna.schmidt@example.com';
    const invalid = [
      { event: 'integration_viewed', tenantId: TENANT, properties: { provider: secret } },
      { event: 'no_such_event', tenantId: TENANT, properties: {} },
      { event: 'integration_viewed', tenantId: TENANT, properties: null },
      // Rows the database would refuse, which must not fail the valid event's batch.
      { ...viewed(), occurredAt: new Date('not a date') },
      { ...viewed(), tenantId: undefined },
      null,
      undefined,
    ] as unknown as TrackedEvent[];
    for (const event of invalid) expect(() => tracker.track(event)).not.toThrow();
    tracker.track(viewed());
    await tracker.flush();
    expect(await stored()).toBe(1);
    expect(tracker.stats()).toMatchObject({ written: 1, invalid: 5, dropped: 2 });
    expect(warnings.length).toBeGreaterThanOrEqual(7);
    expect(JSON.stringify(warnings)).not.toContain(secret);
  });

  it('commits trackInTransaction events with the caller and rolls them back with it', async () => {
    start();
    await store.db.$transaction(async (tx) => {
      await tracker.trackInTransaction(tx, viewed());
    });
    expect(await stored()).toBe(1);
    await expect(
      store.db.$transaction(async (tx) => {
        await tracker.trackInTransaction(tx, [viewed(), viewed()]);
        throw new Error('the tool call failed after all');
      }),
    ).rejects.toThrow('the tool call failed after all');
    expect(await stored()).toBe(1);
  });

  it('drops an invalid event in trackInTransaction without failing the caller’s transaction', async () => {
    start();
    const invalid = { ...viewed(), properties: { provider: 'apple' } } as unknown as TrackedEvent;
    await store.db.$transaction(async (tx) => {
      await tracker.trackInTransaction(tx, [invalid, viewed()]);
    });
    expect(await stored()).toBe(1);
    expect(tracker.stats().invalid).toBe(1);
  });

  it('group-commits concurrent record calls and resolves each once its events are stored', async () => {
    let transactions = 0;
    start({
      onWritten: async () => {
        transactions += 1;
      },
    });
    await Promise.all(Array.from({ length: 20 }, () => tracker.record([viewed(), viewed()])));
    expect(await stored()).toBe(40);
    expect(transactions).toBe(1);
  });

  it('rejects a record call with an invalid event and stores none of its events', async () => {
    start();
    const invalid = { ...viewed(), properties: { provider: 'apple' } } as unknown as TrackedEvent;
    await expect(tracker.record([viewed(), invalid])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('invalid event 1: properties.provider'),
    });
    await tracker.flush();
    expect(await stored()).toBe(0);
  });

  it('keeps buffered events when a write fails and writes them on the retry', async () => {
    let failures = 1;
    start({
      onWritten: async () => {
        if (failures-- > 0) throw new Error('database unavailable');
      },
    });
    tracker.track(viewed());
    tracker.track(viewed());
    await eventually(() => warnings.some((warning) => warning.message.includes('will retry')), 2_000);
    expect(await stored()).toBe(0);
    await eventually(async () => (await stored()) === 2, 3_000, 'the retried write');
  });

  it('tells a record caller when its write fails instead of keeping the events', async () => {
    start({
      onWritten: async () => {
        throw new Error('database unavailable');
      },
    });
    await expect(tracker.record([viewed()])).rejects.toThrow('database unavailable');
    expect(tracker.stats().buffered).toBe(0);
  });

  it('writes everything buffered on close and drops what is tracked afterwards', async () => {
    start({ flushMs: 60_000 });
    for (let index = 0; index < 7; index += 1) tracker.track(viewed());
    await tracker.close();
    expect(await stored()).toBe(7);
    tracker.track(viewed());
    await expect(tracker.record([viewed()])).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(tracker.stats()).toMatchObject({ written: 7, dropped: 1, buffered: 0 });
  });

  it('bounds the buffer while writes fail, counting what it drops', async () => {
    start({
      maxBuffered: 3,
      onWritten: async () => {
        throw new Error('database unavailable');
      },
    });
    for (let index = 0; index < 5; index += 1) tracker.track(viewed());
    expect(tracker.stats()).toMatchObject({ buffered: 3, dropped: 2 });
  });
});
