/**
 * Forwarding to an external collector (a loopback fake speaking the seed client's protocol):
 * configured through the connector hub, sent through the job queue, retried on 5xx, 429 and
 * timeouts, not retried when refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANALYTICS_FORWARD_JOB } from '../../src/server/analytics-forward-job.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { expectError } from '../api/gateway-world.ts';
import { type FakeCollector, startFakeCollector } from '../fakes/analytics-collector.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import {
  eventually,
  queueSettled,
  startTestGateway,
  type TestGateway,
  type TestTenant,
} from '../support/gateway.ts';
import { collect, createWriteKey, exampleProperties } from './support.ts';

const CONNECTOR = '/admin/connector-hub/analytics_forwarding';

describe('analytics forwarding', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let collector: FakeCollector;
  let gateway: TestGateway;
  let tenant: TestTenant;
  let writeKey: string;

  const configure = (values: Record<string, string>) =>
    gateway.request({ method: 'PUT', url: `${CONNECTOR}/config`, token: tenant.apiToken, payload: values });
  const send = (event: keyof typeof exampleProperties, timestamp = '2025-03-03T12:00:00.000Z') =>
    collect(gateway, writeKey, '/analytics/track', {
      event,
      properties: exampleProperties[event],
      timestamp,
    });
  const forwardJobs = () =>
    store.db.job.findMany({
      where: { kind: ANALYTICS_FORWARD_JOB, tenantId: tenant.id },
      orderBy: { id: 'asc' },
    });

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    collector = await startFakeCollector();
    gateway = await startTestGateway({ store, telegram });
    tenant = await gateway.createTenant('travel');
    writeKey = (await createWriteKey(gateway, tenant)).writeKey;
  });

  afterEach(async () => {
    await gateway.close();
    await collector.close();
    await telegram.close();
    await store.dispose();
  });

  describe('when configured', () => {
    beforeEach(async () => {
      const saved = await configure({ base_url: `${collector.url}/`, write_key: collector.writeKey });
      expect(saved.statusCode, saved.body).toBe(200);
    });

    it('sends each event once, in the seed protocol, with the write key', async () => {
      await collect(gateway, writeKey, '/analytics/track/view', {
        contentId: 'GET:/api/integrations',
        contentType: 'post',
        deviceType: 'desktop',
        app: 'momentum-backend',
        userId: 'anna.schmidt@example.com',
        timestamp: '2025-03-03T12:00:00.000Z',
      });
      await collect(gateway, writeKey, '/analytics/track/engagement', {
        userId: 'user-8812',
        metricType: 'comment',
        targetId: 'conversation-42',
        targetType: 'content',
        metadata: { businessEventType: 'message_sent' },
        timestamp: '2025-03-03T12:00:00.000Z',
      });
      await send('integration_oauth_completed');
      await eventually(() => collector.accepted.length === 3, 10_000, 'three forwarded events');
      await queueSettled(store.db);
      const byPath = Object.fromEntries(collector.accepted.map((entry) => [entry.path, entry.body]));
      expect(byPath).toEqual({
        '/analytics/track/view': {
          app: 'momentum-backend',
          contentId: 'GET:/api/integrations',
          contentType: 'post',
          deviceType: 'desktop',
          timestamp: '2025-03-03T12:00:00.000Z',
        },
        '/analytics/track/engagement': {
          metricType: 'comment',
          targetId: 'conversation-42',
          targetType: 'content',
          metadata: { businessEventType: 'message_sent' },
          timestamp: '2025-03-03T12:00:00.000Z',
        },
        '/analytics/track': {
          event: 'integration_oauth_completed',
          properties: exampleProperties.integration_oauth_completed,
          timestamp: '2025-03-03T12:00:00.000Z',
        },
      });
      expect(collector.attempts).toBe(3);
    });

    it('retries after a 500 and a 429, then delivers', async () => {
      collector.fail([{ status: 500 }, { status: 429 }]);
      await send('integration_connect_clicked');
      await eventually(() => collector.accepted.length === 1, 10_000, 'the retried event');
      await queueSettled(store.db);
      expect(collector.attempts).toBe(3);
      const [job] = await forwardJobs();
      expect(job).toMatchObject({ status: 'done', attempts: 3 });
    });

    it('gives up on a call after 5 seconds and delivers on the retry', async () => {
      collector.fail([{ status: 200, delayMs: 7_000 }]);
      const sentAt = Date.now();
      await send('integration_data_fetched');
      await eventually(() => collector.accepted.length === 1, 15_000, 'the event after the timeout');
      const elapsed = Date.now() - sentAt;
      expect(elapsed).toBeGreaterThanOrEqual(5_000);
      expect(elapsed).toBeLessThan(7_000);
      await queueSettled(store.db);
      const [job] = await forwardJobs();
      expect(job).toMatchObject({ status: 'done', attempts: 2 });
      expect(job!.lastError).toContain('did not answer within 5000 ms');
    }, 20_000);

    it('does not retry an event the collector refuses', async () => {
      collector.fail([{ status: 400 }]);
      await send('integration_error');
      await queueSettled(store.db);
      expect(collector.accepted).toEqual([]);
      expect(collector.attempts).toBe(1);
      const [job] = await forwardJobs();
      expect(job).toMatchObject({ status: 'dead', attempts: 1 });
      expect(job!.lastError).toContain('refused the event with 400');
    });

    it('forwards the gateway’s own message events too', async () => {
      await store.db.$transaction((tx) =>
        gateway.app.analytics.trackInTransaction(tx, {
          event: 'message_received',
          tenantId: tenant.id,
          properties: exampleProperties.message_received,
        }),
      );
      await eventually(() => collector.accepted.length === 1, 10_000, 'the message event');
      expect(collector.accepted[0]!.body).toMatchObject({ event: 'message_received' });
    });

    it('forwards an event written in a driver transaction (the deliver job records its sends so)', async () => {
      await sqlOf(store.db).transaction((session) =>
        gateway.app.analytics.trackInTransaction(session, {
          event: 'message_sent',
          tenantId: tenant.id,
          properties: exampleProperties.message_sent,
        }),
      );
      await eventually(() => collector.accepted.length === 1, 10_000, 'the message event');
      expect(collector.accepted[0]!.body).toMatchObject({ event: 'message_sent' });
      // The job the driver wrote is the queue's own: it ran once and was completed.
      await eventually(async () => (await forwardJobs())[0]?.status === 'done', 10_000, 'the job done');
      expect(await forwardJobs()).toMatchObject([{ attempts: 1, maxAttempts: 8 }]);
    });

    it('stops forwarding once the configuration is deleted', async () => {
      await send('integration_viewed');
      await eventually(() => collector.accepted.length === 1, 10_000, 'the first event');
      const deleted = await gateway.request({
        method: 'DELETE',
        url: `${CONNECTOR}/config`,
        token: tenant.apiToken,
      });
      expect(deleted.statusCode).toBe(204);
      await send('integration_connect_clicked');
      await queueSettled(store.db);
      expect(collector.attempts).toBe(1);
    });

    it('keeps the write key encrypted at rest and masked in answers', async () => {
      const shown = await gateway.request({
        method: 'GET',
        url: `${CONNECTOR}/config`,
        token: tenant.apiToken,
      });
      expect(shown.json().values).toEqual({
        base_url: collector.url,
        write_key: `••••${collector.writeKey.slice(-4)}`,
      });
      const row = await store.db.connectorConfig.findFirstOrThrow({
        where: { tenantId: tenant.id, connectorId: 'analytics_forwarding' },
      });
      expect(JSON.stringify(row)).not.toContain(collector.writeKey);
    });

    it('passes the connection test with the right key and fails it with a wrong one', async () => {
      const test = () =>
        gateway.request({ method: 'POST', url: `${CONNECTOR}/test`, token: tenant.apiToken });
      expect((await test()).json()).toEqual({ ok: true, detail: 'the collector accepts the write key' });
      await configure({ write_key: 'not-the-collectors-key' });
      expect((await test()).json()).toEqual({ ok: false, detail: 'the collector refuses the write key' });
      expect(collector.accepted).toEqual([]);
    });
  });

  it('creates no forwarding jobs for a tenant that does not forward', async () => {
    await send('integration_viewed');
    await queueSettled(store.db);
    expect(await forwardJobs()).toEqual([]);
  });

  it('refuses a collector URL that is not http(s) or carries a query', async () => {
    for (const base_url of [
      'ftp://collector.example.com',
      'https://collector.example.com/?key=1',
      'collector',
    ]) {
      const message = expectError(await configure({ base_url, write_key: 'k' }), 400, 'VALIDATION_FAILED');
      expect(message).toContain('base_url');
    }
  });
});
