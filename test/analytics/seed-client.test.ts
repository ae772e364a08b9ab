import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { createWriteKey } from './support.ts';

// The seed's file, unchanged: its extensionless imports are not TypeScript's NodeNext style,
// so it is loaded by path (vitest resolves them) rather than type-checked with the suite.
const seedClient = './seed-client/backend-analytics-client.ts';

let store: TestStore;
let telegram: FakeTelegram;
let gateway: TestGateway;
let baseUrl: string;

beforeAll(async () => {
  store = await createTestStore();
  telegram = await startFakeTelegram({ tokens: [FAKE_BOT_TOKEN] });
  gateway = await startTestGateway({ store, telegram });
  baseUrl = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await gateway.close();
  await telegram.close();
  await store.dispose();
});

describe("the seed's backend analytics client against the collector", () => {
  it('loses none of its ten calls: views, API calls, engagements and business events with metadata', async () => {
    const tenant = await gateway.createTenant('momentum');
    const { writeKey } = await createWriteKey(gateway, tenant);
    const { BackendAnalyticsClient } = await import(seedClient);
    const { logged } = await import('./seed-client/logger.ts');
    const client = new BackendAnalyticsClient({ apiBaseUrl: baseUrl, appName: 'Momentum', writeKey });

    client.trackView({
      contentId: 'post-42',
      contentType: 'post',
      userId: 'user-1',
      sessionId: 's-1',
      deviceType: 'mobile',
    });
    client.trackView({ contentId: 'stream-7', contentType: 'stream', duration: 93 });
    client.trackApiCall({
      endpoint: '/api/status',
      method: 'GET',
      statusCode: 200,
      duration: 12,
      ipAddress: '203.0.113.9',
    });
    client.trackApiCall({ endpoint: '/api/orders', method: 'POST', userId: 'user-2', statusCode: 201 });
    client.trackEngagement({
      userId: 'user-1',
      metricType: 'like',
      targetId: 'post-42',
      targetType: 'content',
    });
    client.trackEngagement({
      userId: 'user-3',
      metricType: 'share',
      targetId: 'post-42',
      targetType: 'content',
      metadata: { channel: 'whatsapp' },
    });
    client.trackBusinessEvent({ userId: 'user-1', eventType: 'message_sent', targetId: 'chat-9' });
    client.trackBusinessEvent({ userId: 'user-1', eventType: 'stream_started', targetId: 'stream-7' });
    client.trackBusinessEvent({
      userId: 'user-2',
      eventType: 'payment_processed',
      targetId: 'order-1001',
      metadata: { amountCents: 4990, currency: 'EUR' },
    });
    client.trackBusinessEvent({
      userId: 'user-4',
      eventType: 'message_received',
      targetId: 'chat-9',
      metadata: { orderId: 'A-17', customerEmail: 'anna@example.com' },
    });

    const found = await eventually(
      async () => {
        const count = await store.db.analyticsEvent.count({ where: { tenantId: tenant.id } });
        return count >= 10 || logged.length >= 10 - count;
      },
      15_000,
      'every call answered',
    ).then(() =>
      eventually(
        async () => {
          const found = await store.db.analyticsEvent.findMany({
            where: { tenantId: tenant.id },
            orderBy: { name: 'asc' },
          });
          return found.length >= 10 ? found : undefined;
        },
        15_000,
        'ten stored events',
      ),
    );
    const rows = found!;
    expect(logged).toEqual([]);
    expect(rows).toHaveLength(10);
    const byName = (name: string) =>
      rows.filter((row) => row.name === name).map((row) => JSON.parse(row.properties));
    expect(
      byName('content_viewed')
        .map((view) => [view.app, view.content_id])
        .sort(),
    ).toEqual([
      ['momentum', 'GET:/api/status'],
      ['momentum', 'POST:/api/orders'],
      ['momentum', 'post-42'],
      ['momentum', 'stream-7'],
    ]);
    const engagements = byName('engagement_recorded');
    expect(engagements).toHaveLength(6);
    expect(engagements.map((engagement) => engagement.business_event_type ?? 'none').sort()).toEqual([
      'message_received',
      'message_sent',
      'none',
      'none',
      'payment_processed',
      'stream_started',
    ]);
    const stored = JSON.stringify(rows);
    for (const personal of ['user-1', 'anna@example.com', 'A-17', '203.0.113.9', 'EUR', '4990']) {
      expect(stored).not.toContain(personal);
    }
    expect(rows.every((row) => row.source === 'collector')).toBe(true);
  });
});
