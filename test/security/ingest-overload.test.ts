import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.ts';
import { createIngestor, OVERLOADED_RETRY_AFTER_MS } from '../../src/normalizer/ingestor.ts';
import type { InboundMessageEvent } from '../../src/normalizer/types.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { startTestGateway, type TestGateway, textUpdate } from '../support/gateway.ts';

function message(id: string): InboundMessageEvent {
  return {
    type: 'message',
    providerMessageId: id,
    chatId: 'chat-1',
    sender: { externalId: 'sender-1' },
    sentAt: new Date('2026-01-01T12:00:00Z'),
    kind: 'text',
    text: `text ${id}`,
    parts: [{ type: 'text', text: `text ${id}` }],
  };
}

describe('a bounded ingest queue', () => {
  let store: TestStore | undefined;
  let telegram: FakeTelegram | undefined;
  let gateway: TestGateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    await telegram?.close();
    await store?.dispose();
    gateway = telegram = store = undefined;
  });

  it('refuses a delivery beyond the bound with OVERLOADED and commits every one it took', async () => {
    store = await createTestStore();
    const { id: tenantId } = await store.db.tenant.create({ data: { slug: 'acme', name: 'Acme' } });
    // The first transaction is held open until the test lets it go, as a slow database would.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let transactions = 0;
    const ingestor = createIngestor({
      db: store.db,
      maxPending: 2,
      onStored: async () => {
        transactions += 1;
        if (transactions === 1) await held;
      },
    });
    const first = ingestor.ingest({ tenantId, channel: 'telegram', events: [message('1')] });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first is being written
    const second = ingestor.ingest({ tenantId, channel: 'telegram', events: [message('2')] });
    const refused = await ingestor
      .ingest({ tenantId, channel: 'telegram', events: [message('3')] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: 'OVERLOADED',
      status: 503,
      retryAfterMs: OVERLOADED_RETRY_AFTER_MS,
    });
    release();
    expect(await first).toEqual({ stored: 1, duplicates: 0 });
    expect(await second).toEqual({ stored: 1, duplicates: 0 });
    // Room again: the provider's retry of the refused delivery is taken.
    expect(await ingestor.ingest({ tenantId, channel: 'telegram', events: [message('3')] })).toEqual({
      stored: 1,
      duplicates: 0,
    });
    const stored = await store.db.message.findMany({ select: { providerMessageId: true } });
    expect(stored.map((row) => row.providerMessageId).sort()).toEqual(['1', '2', '3']);
  });

  it('answers 503 with Retry-After when full, and loses nothing that was answered 200 or retried', async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    gateway = await startTestGateway({ store, telegram, environment: { INGEST_QUEUE_LIMIT: '2' } });
    const tenant = await gateway.createTenant('acme');
    const secret = await gateway.configureTelegram(tenant);
    const updates = Array.from({ length: 40 }, (_, index) =>
      textUpdate({
        updateId: index + 1,
        messageId: index + 1,
        chatId: 5550001000 + index,
        text: `hi ${index}`,
      }),
    );
    const post = (update: (typeof updates)[number]) => gateway!.postUpdate(tenant.slug, update, secret);

    const first = await Promise.all(updates.map(post));
    const refused = updates.filter((_, index) => first[index]!.statusCode === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const response of first) {
      expect([200, 503]).toContain(response.statusCode);
      if (response.statusCode === 503) {
        expect(response.json()).toMatchObject({ error: 'OVERLOADED' });
        expect(response.headers['retry-after']).toBe(String(OVERLOADED_RETRY_AFTER_MS / 1000));
      }
    }
    const acknowledged = updates.filter((_, index) => first[index]!.statusCode === 200);
    const storedIds = async () =>
      (
        await store!.db.message.findMany({
          where: { direction: 'inbound' },
          select: { providerMessageId: true },
        })
      )
        .map((row) => row.providerMessageId)
        .sort();
    const idOf = (update: (typeof updates)[number]) =>
      `${update.message.chat.id}:${update.message.message_id}`;
    // Everything acknowledged is stored the moment it was acknowledged.
    expect(await storedIds()).toEqual(acknowledged.map(idOf).sort());

    // The provider retries what was refused, one at a time, as Telegram does per chat.
    for (const update of refused) expect((await post(update)).statusCode).toBe(200);
    expect(await storedIds()).toEqual(updates.map(idOf).sort());
  }, 120_000);
});
