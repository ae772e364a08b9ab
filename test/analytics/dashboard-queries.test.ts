/**
 * The five dashboard routes against a known set of events, posted through the collector and
 * through the tracker, with the exact numbers each must return. The suite runs on SQLite, and
 * on PostgreSQL when DATABASE_URL names a server; the numbers are the same.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../src/analytics/catalog.ts';
import type { IntegrationProvider, IntegrationService } from '../../src/analytics/events/integration.ts';
import { expectError } from '../api/gateway-world.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { startTestGateway, type TestGateway, type TestTenant } from '../support/gateway.ts';
import { collect, createWriteKey, dashboard, exampleProperties } from './support.ts';

const WINDOW = { from: '2025-03-01T00:00:00.000Z', to: '2025-03-08T00:00:00.000Z' };
const INSIDE = '2025-03-03T12:00:00.000Z';

const chatA = randomUUID();
const chatB = randomUUID();
const chatC = randomUUID();
const agent = randomUUID();

/** `count` copies of an event for the collector's batch. */
function times(count: number, event: string, properties: object, timestamp = INSIDE) {
  return Array.from({ length: count }, () => ({ event, properties, timestamp }));
}

const viewed = (provider: IntegrationProvider, service: IntegrationService) => ({
  ...exampleProperties.integration_viewed,
  provider,
  service,
});
const clicked = (provider: IntegrationProvider) => ({
  ...exampleProperties.integration_connect_clicked,
  provider,
});
const started = (provider: IntegrationProvider) => ({
  ...exampleProperties.integration_oauth_started,
  provider,
});
const completed = (provider: IntegrationProvider) => ({
  ...exampleProperties.integration_oauth_completed,
  provider,
});
const failed = (provider: IntegrationProvider, errorType: string) => ({
  ...exampleProperties.integration_oauth_failed,
  provider,
  error_type: errorType,
});

/** What the dashboard sends through the collector: views, clicks and OAuth outcomes. */
const collectedEvents = [
  ...times(6, 'integration_viewed', viewed('google', 'gmail')),
  ...times(4, 'integration_viewed', viewed('microsoft', 'outlook')),
  ...times(4, 'integration_connect_clicked', clicked('google')),
  ...times(3, 'integration_connect_clicked', clicked('microsoft')),
  ...times(1, 'integration_connect_clicked', clicked('meta')),
  ...times(3, 'integration_oauth_started', started('google')),
  ...times(3, 'integration_oauth_started', started('microsoft')),
  ...times(3, 'integration_oauth_completed', completed('google')),
  ...times(1, 'integration_oauth_completed', completed('microsoft')),
  ...times(1, 'integration_oauth_completed', completed('linkedin')),
  ...times(2, 'integration_oauth_failed', failed('microsoft', 'access_denied')),
  ...times(1, 'integration_oauth_failed', failed('google', 'user_cancelled')),
  ...times(1, 'integration_oauth_failed', failed('microsoft', 'timeout')),
  // Just outside the window on either side: from is inclusive, to exclusive.
  ...times(1, 'integration_connect_clicked', clicked('google'), '2025-02-28T23:59:59.999Z'),
  ...times(1, 'integration_connect_clicked', clicked('google'), WINDOW.to),
];

function usedInChat(
  tenantId: string,
  chat: string,
  service: IntegrationService,
  action: 'read_emails' | 'create_event' | 'send_email',
  success: boolean,
): TrackedEvent {
  return {
    event: 'integration_used_in_chat',
    tenantId,
    occurredAt: new Date(INSIDE),
    properties: {
      ...exampleProperties.integration_used_in_chat,
      chat_id: chat,
      agent_id: agent,
      service,
      provider: service === 'outlook' ? 'microsoft' : 'google',
      action_type: action,
      success,
    },
  };
}

function message(
  tenantId: string,
  event: 'message_received' | 'message_sent' | 'message_failed',
  channel: string,
  at: string,
): TrackedEvent {
  return {
    ...({ event, properties: { ...exampleProperties[event], channel } } as TrackedEvent),
    tenantId,
    occurredAt: new Date(at),
  };
}

describe('dashboard queries', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let gateway: TestGateway;
  let shop: TestTenant;
  let neighbour: TestTenant;

  beforeAll(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    gateway = await startTestGateway({ store, telegram });
    shop = await gateway.createTenant('shop');
    neighbour = await gateway.createTenant('neighbour');

    const { writeKey } = await createWriteKey(gateway, shop);
    const response = await collect(gateway, writeKey, '/analytics/batch', { events: collectedEvents });
    expect(response.statusCode, response.body).toBe(200);

    // Tool calls commit with their record (trackInTransaction); messages come buffered (track).
    await store.db.$transaction(async (tx) => {
      await gateway.app.analytics.trackInTransaction(tx, [
        usedInChat(shop.id, chatA, 'gmail', 'read_emails', true),
        usedInChat(shop.id, chatA, 'gmail', 'read_emails', true),
        usedInChat(shop.id, chatB, 'gmail', 'read_emails', false),
        usedInChat(shop.id, chatA, 'google_calendar', 'create_event', true),
        usedInChat(shop.id, chatC, 'outlook', 'send_email', false),
      ]);
    });
    const messages = [
      ...Array(3).fill(['message_received', 'telegram', '2025-03-02T08:00:00.000Z']),
      ...Array(2).fill(['message_sent', 'telegram', '2025-03-02T08:00:01.000Z']),
      ['message_failed', 'telegram', '2025-03-02T09:00:00.000Z'],
      ['message_received', 'instagram', '2025-03-02T10:00:00.000Z'],
      ['message_received', 'telegram', '2025-03-05T23:59:59.999Z'],
      ['message_received', 'telegram', '2025-03-06T00:00:00.000Z'],
    ] as const;
    for (const [event, channel, at] of messages)
      gateway.app.analytics.track(message(shop.id, event, channel, at));

    // The neighbour's events fall in the same window and must never be counted for the shop.
    const neighbourKey = await createWriteKey(gateway, neighbour);
    await collect(gateway, neighbourKey.writeKey, '/analytics/batch', {
      events: collectedEvents.slice(0, 30),
    });
    gateway.app.analytics.track(usedInChat(neighbour.id, chatA, 'gmail', 'read_emails', true));
    gateway.app.analytics.track(message(neighbour.id, 'message_received', 'telegram', INSIDE));
    await gateway.app.analytics.flush();
  });

  afterAll(async () => {
    await gateway.close();
    await telegram.close();
    await store.dispose();
  });

  it('integration-funnel: the five steps with counts and step conversion', async () => {
    expect(await dashboard(gateway, shop, 'integration-funnel', WINDOW)).toEqual({
      ...WINDOW,
      steps: [
        { event: 'integration_viewed', count: 10, conversionRate: null },
        { event: 'integration_connect_clicked', count: 8, conversionRate: 80 },
        { event: 'integration_oauth_started', count: 6, conversionRate: 75 },
        { event: 'integration_oauth_completed', count: 5, conversionRate: 83.33 },
        { event: 'integration_used_in_chat', count: 5, conversionRate: 100 },
      ],
    });
  });

  it('connection-rate: attempts, connected and rate per provider; no attempts gives no rate', async () => {
    expect(await dashboard(gateway, shop, 'connection-rate', WINDOW)).toEqual({
      ...WINDOW,
      items: [
        { provider: 'google', attempts: 4, connected: 3, conversionRate: 75 },
        { provider: 'microsoft', attempts: 3, connected: 1, conversionRate: 33.33 },
        { provider: 'meta', attempts: 1, connected: 0, conversionRate: 0 },
        { provider: 'linkedin', attempts: 0, connected: 1, conversionRate: null },
      ],
    });
  });

  it('oauth-failures: failures per provider and error type, most first', async () => {
    expect(await dashboard(gateway, shop, 'oauth-failures', WINDOW)).toEqual({
      ...WINDOW,
      items: [
        { provider: 'microsoft', errorType: 'access_denied', failures: 2 },
        { provider: 'google', errorType: 'user_cancelled', failures: 1 },
        { provider: 'microsoft', errorType: 'timeout', failures: 1 },
      ],
    });
  });

  it('tools-in-chat: usage, unique chats and success rate per service and action', async () => {
    expect(await dashboard(gateway, shop, 'tools-in-chat', WINDOW)).toEqual({
      ...WINDOW,
      items: [
        { service: 'gmail', actionType: 'read_emails', usageCount: 3, uniqueChats: 2, successRate: 66.67 },
        {
          service: 'google_calendar',
          actionType: 'create_event',
          usageCount: 1,
          uniqueChats: 1,
          successRate: 100,
        },
        { service: 'outlook', actionType: 'send_email', usageCount: 1, uniqueChats: 1, successRate: 0 },
      ],
    });
  });

  it('messages: per channel and UTC day, both directions and failures', async () => {
    expect(await dashboard(gateway, shop, 'messages', WINDOW)).toEqual({
      ...WINDOW,
      items: [
        { day: '2025-03-02', channel: 'instagram', inbound: 1, outbound: 0, failed: 0 },
        { day: '2025-03-02', channel: 'telegram', inbound: 3, outbound: 2, failed: 1 },
        { day: '2025-03-05', channel: 'telegram', inbound: 1, outbound: 0, failed: 0 },
        { day: '2025-03-06', channel: 'telegram', inbound: 1, outbound: 0, failed: 0 },
      ],
    });
  });

  it('answers an empty window with zeros and no rates, not errors', async () => {
    const empty = { from: '2024-06-01T00:00:00.000Z', to: '2024-06-02T00:00:00.000Z' };
    expect(await dashboard(gateway, shop, 'integration-funnel', empty)).toEqual({
      ...empty,
      steps: [
        { event: 'integration_viewed', count: 0, conversionRate: null },
        { event: 'integration_connect_clicked', count: 0, conversionRate: null },
        { event: 'integration_oauth_started', count: 0, conversionRate: null },
        { event: 'integration_oauth_completed', count: 0, conversionRate: null },
        { event: 'integration_used_in_chat', count: 0, conversionRate: null },
      ],
    });
    for (const route of ['connection-rate', 'oauth-failures', 'tools-in-chat', 'messages'])
      expect(await dashboard(gateway, shop, route, empty)).toEqual({ ...empty, items: [] });
  });

  it('covers the last 30 days when no window is given', async () => {
    const tenant = await gateway.createTenant('recent');
    const { writeKey } = await createWriteKey(gateway, tenant);
    const day = 24 * 60 * 60 * 1000;
    const events = [1, 29, 31].map((daysAgo) => ({
      event: 'integration_connect_clicked',
      properties: clicked('google'),
      timestamp: new Date(Date.now() - daysAgo * day).toISOString(),
    }));
    expect((await collect(gateway, writeKey, '/analytics/batch', { events })).statusCode).toBe(200);
    const answer = await dashboard(gateway, tenant, 'connection-rate');
    expect(answer.items).toEqual([{ provider: 'google', attempts: 2, connected: 0, conversionRate: 0 }]);
    expect(Date.parse(String(answer.to)) - Date.parse(String(answer.from))).toBe(30 * day);
  });

  it('answers 400 to a window that is reversed, malformed or longer than 366 days', async () => {
    const cases = [
      ['?from=2025-03-08T00:00:00Z&to=2025-03-01T00:00:00Z', 'from must be before to'],
      ['?from=last-week', 'from'],
      ['?from=2023-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'at most 366 days'],
    ];
    for (const [query, named] of cases) {
      const response = await gateway.request({
        method: 'GET',
        url: `/admin/analytics/messages${query}`,
        token: shop.apiToken,
      });
      expect(expectError(response, 400, 'VALIDATION_FAILED')).toContain(named);
    }
  });
});
