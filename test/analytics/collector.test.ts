/**
 * The collector over HTTP: the seed client's requests, catalog events and batches, write
 * keys (created, hashed, revoked), and every refusal: 401, 400 naming the property, 413, 429.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError } from '../api/gateway-world.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway, type TestTenant } from '../support/gateway.ts';
import { collect, createWriteKey, exampleProperties } from './support.ts';

describe('analytics collector', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let gateway: TestGateway;
  let tenant: TestTenant;
  let writeKey: string;

  const start = async (environment: Record<string, string> = {}) => {
    gateway = await startTestGateway({ store, telegram, environment });
    tenant = await gateway.createTenant('florist');
    writeKey = (await createWriteKey(gateway, tenant)).writeKey;
  };
  const rows = () =>
    store.db.analyticsEvent.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } });

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
  });

  afterEach(async () => {
    await gateway.close();
    await telegram.close();
    await store.dispose();
  });

  describe('with the default limits', () => {
    beforeEach(() => start());

    it('accepts the seed client’s trackApiCall view and stores it without user, session or IP', async () => {
      // The body BackendAnalyticsClient.trackApiCall builds, field for field.
      const body = {
        contentId: 'GET:/api/integrations',
        contentType: 'post',
        userId: 'anna.schmidt@example.com',
        sessionId: 'backend-1767268800000-k3j4h5g6f7d8',
        duration: 42,
        ipAddress: '203.0.113.7',
        deviceType: 'desktop',
        app: 'momentum-backend',
      };
      const response = await collect(gateway, writeKey, '/analytics/track/view', body);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ accepted: 1 });
      const [row] = await rows();
      expect(row).toMatchObject({ name: 'content_viewed', source: 'collector' });
      expect(JSON.parse(row!.properties)).toEqual({
        app: 'momentum-backend',
        content_id: 'GET:/api/integrations',
        content_type: 'post',
        device_type: 'desktop',
        duration: 42,
      });
      const stored = JSON.stringify(await rows());
      for (const personal of [body.userId, body.sessionId, body.ipAddress])
        expect(stored).not.toContain(personal);
    });

    it('accepts the seed client’s trackBusinessEvent engagement and keeps only the business event type', async () => {
      const body = {
        userId: 'user-8812',
        metricType: 'comment',
        targetId: 'conversation-42',
        targetType: 'content',
        metadata: { businessEventType: 'message_sent' },
      };
      const response = await collect(gateway, writeKey, '/analytics/track/engagement', body);
      expect(response.statusCode, response.body).toBe(200);
      const [row] = await rows();
      expect(row!.name).toBe('engagement_recorded');
      expect(JSON.parse(row!.properties)).toEqual({
        metric_type: 'comment',
        target_id: 'conversation-42',
        target_type: 'content',
        business_event_type: 'message_sent',
      });
      expect(JSON.stringify(await rows())).not.toContain('user-8812');
    });

    it('drops engagement metadata beyond the business event type, and counts what it dropped', async () => {
      const body = {
        userId: 'user-8812',
        metricType: 'purchase',
        targetId: 'order-1',
        targetType: 'product',
        metadata: { businessEventType: 'payment_processed', note: 'paid by Anna', amountCents: 1299 },
      };
      const response = await collect(gateway, writeKey, '/analytics/track/engagement', body);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ accepted: 1, droppedMetadataKeys: 2 });
      const stored = await rows();
      expect(stored).toHaveLength(1);
      expect(JSON.parse(stored[0]!.properties)).toEqual({
        metric_type: 'purchase',
        target_id: 'order-1',
        target_type: 'product',
        business_event_type: 'payment_processed',
      });
      expect(JSON.stringify(stored)).not.toContain('Anna');
      expect(JSON.stringify(stored)).not.toContain('1299');
      const wrong = { ...body, metadata: { businessEventType: 'refund' } };
      expectError(
        await collect(gateway, writeKey, '/analytics/track/engagement', wrong),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('accepts any catalog event on /analytics/track, with the client’s timestamp', async () => {
      const response = await collect(gateway, writeKey, '/analytics/track', {
        event: 'integration_connect_clicked',
        properties: exampleProperties.integration_connect_clicked,
        timestamp: '2025-03-04T10:00:00+02:00',
      });
      expect(response.statusCode, response.body).toBe(200);
      const [row] = await rows();
      expect(row).toMatchObject({
        name: 'integration_connect_clicked',
        occurredAt: new Date('2025-03-04T08:00:00Z'),
        day: '2025-03-04',
        provider: 'google',
      });
    });

    it('answers 400 naming the property for an invalid event, and stores nothing', async () => {
      const cases: Array<[unknown, string]> = [
        [
          {
            event: 'integration_viewed',
            properties: { ...exampleProperties.integration_viewed, provider: 'apple' },
          },
          'properties.provider',
        ],
        [
          {
            event: 'integration_viewed',
            properties: { ...exampleProperties.integration_viewed, email: 'a@b.c' },
          },
          'Unrecognized key: "email"',
        ],
        [{ event: 'integration_teleported', properties: {} }, 'event: must be an event of the catalog'],
        [{ event: 'integration_viewed' }, 'properties'],
        [
          {
            event: 'integration_viewed',
            properties: exampleProperties.integration_viewed,
            timestamp: 'yesterday',
          },
          'timestamp',
        ],
        [
          {
            event: 'integration_viewed',
            properties: exampleProperties.integration_viewed,
            timestamp: new Date(Date.now() + 3_600_000).toISOString(),
          },
          'timestamp: must lie between 2000 and now',
        ],
      ];
      for (const [body, named] of cases) {
        const message = expectError(
          await collect(gateway, writeKey, '/analytics/track', body),
          400,
          'VALIDATION_FAILED',
        );
        expect(message).toContain(named);
      }
      const view = expectError(
        await collect(gateway, writeKey, '/analytics/track/view', { contentId: 'x', app: 'web' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(view).toContain('contentType');
      expect(await rows()).toEqual([]);
    });

    it('stores a batch of 500 whole, and refuses a batch with one bad event whole, naming it', async () => {
      const event = { event: 'integration_viewed', properties: exampleProperties.integration_viewed };
      const full = await collect(gateway, writeKey, '/analytics/batch', { events: Array(500).fill(event) });
      expect(full.statusCode, full.body).toBe(200);
      expect(full.json()).toEqual({ accepted: 500 });
      expect(await store.db.analyticsEvent.count({ where: { tenantId: tenant.id } })).toBe(500);

      const events = Array(10).fill(event);
      events[7] = { event: 'integration_viewed', properties: { ...event.properties, service: 'myspace' } };
      const message = expectError(
        await collect(gateway, writeKey, '/analytics/batch', { events }),
        400,
        'VALIDATION_FAILED',
      );
      expect(message).toContain('events.7.properties.service');
      expect(await store.db.analyticsEvent.count({ where: { tenantId: tenant.id } })).toBe(500);
    });

    it('answers 413 to a batch of more than 500 events and 400 to an empty one', async () => {
      const event = { event: 'integration_viewed', properties: exampleProperties.integration_viewed };
      const message = expectError(
        await collect(gateway, writeKey, '/analytics/batch', { events: Array(501).fill(event) }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expect(message).toContain('at most 500');
      expectError(
        await collect(gateway, writeKey, '/analytics/batch', { events: [] }),
        400,
        'VALIDATION_FAILED',
      );
      expect(await rows()).toEqual([]);
    });

    it('answers 401 to a missing, unknown or revoked write key, and to a bearer token', async () => {
      const event = { event: 'integration_viewed', properties: exampleProperties.integration_viewed };
      expectError(await collect(gateway, undefined, '/analytics/track', event), 401, 'UNAUTHORIZED');
      expectError(
        await collect(gateway, 'sbw_not-a-key-anyone-was-given', '/analytics/track', event),
        401,
        'UNAUTHORIZED',
      );
      expectError(await collect(gateway, tenant.apiToken, '/analytics/track', event), 401, 'UNAUTHORIZED');
      expectError(
        await collect(gateway, ADMIN_TOKEN, '/analytics/batch', { events: [event] }),
        401,
        'UNAUTHORIZED',
      );

      const { id } = (
        await gateway.request({ method: 'GET', url: '/admin/analytics/write-keys', token: tenant.apiToken })
      ).json().items[0];
      expect((await collect(gateway, writeKey, '/analytics/track', event)).statusCode).toBe(200);
      const revoked = await gateway.request({
        method: 'DELETE',
        url: `/admin/analytics/write-keys/${id}`,
        token: tenant.apiToken,
      });
      expect(revoked.statusCode).toBe(204);
      expectError(await collect(gateway, writeKey, '/analytics/track', event), 401, 'UNAUTHORIZED');
      expectError(await collect(gateway, writeKey, '/analytics/track/view', {}), 401, 'UNAUTHORIZED');
      expect(await rows()).toHaveLength(1);
    });

    it('shows a write key once, stores only its hash, lists it without the key and audits changes', async () => {
      const created = await gateway.request({
        method: 'POST',
        url: '/admin/analytics/write-keys',
        token: tenant.apiToken,
        payload: { label: 'website' },
      });
      expect(created.statusCode).toBe(201);
      const { id, writeKey: key } = created.json();
      expect(created.json()).toEqual({
        id: expect.any(String),
        writeKey: expect.stringMatching(/^sbw_[A-Za-z0-9_-]{43}$/),
        label: 'website',
        createdAt: expect.any(String),
        revokedAt: null,
      });
      const row = await store.db.analyticsWriteKey.findUniqueOrThrow({ where: { id } });
      expect(row.keyHash).toBe(createHash('sha256').update(key).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(key);

      const listed = await gateway.request({
        method: 'GET',
        url: '/admin/analytics/write-keys',
        token: tenant.apiToken,
      });
      expect(listed.json().items.map((item: { label: string }) => item.label)).toEqual(['tests', 'website']);
      expect(listed.body).not.toContain(key);

      const path = `/admin/analytics/write-keys/${id}`;
      expect(
        (await gateway.request({ method: 'DELETE', url: path, token: tenant.apiToken })).statusCode,
      ).toBe(204);
      expectError(
        await gateway.request({ method: 'DELETE', url: path, token: tenant.apiToken }),
        404,
        'NOT_FOUND',
      );
      const audit = await store.db.auditLog.findMany({
        where: { tenantId: tenant.id },
        orderBy: { createdAt: 'asc' },
      });
      expect(audit.map((entry) => [entry.action, entry.target])).toEqual(
        expect.arrayContaining([
          ['analytics.write_key.created', id],
          ['analytics.write_key.revoked', id],
        ]),
      );
      expect(JSON.stringify(audit)).not.toContain(key);
    });

    it('answers 415 to a text/plain body', async () => {
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/analytics/track',
        headers: { 'content-type': 'text/plain', 'x-write-key': writeKey },
        payload: 'integration_viewed',
      });
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('with a low rate limit', () => {
    beforeEach(() => start({ ANALYTICS_RATE_PER_SECOND: '5', ANALYTICS_RATE_BURST: '500' }));

    it('answers 429 with Retry-After once a key has spent its burst, per key, and stores nothing then', async () => {
      const event = { event: 'integration_viewed', properties: exampleProperties.integration_viewed };
      expect(
        (await collect(gateway, writeKey, '/analytics/batch', { events: Array(499).fill(event) })).statusCode,
      ).toBe(200);
      expect((await collect(gateway, writeKey, '/analytics/track', event)).statusCode).toBe(200);
      const limited = await collect(gateway, writeKey, '/analytics/batch', { events: Array(10).fill(event) });
      expectError(limited, 429, 'RATE_LIMITED');
      // 10 events at 5 per second, less what refilled since: one or two seconds.
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(2);
      expect(await store.db.analyticsEvent.count({ where: { tenantId: tenant.id } })).toBe(500);

      // Another key of the same tenant has a bucket of its own.
      const other = await createWriteKey(gateway, tenant, 'second');
      expect((await collect(gateway, other.writeKey, '/analytics/track', event)).statusCode).toBe(200);
    });
  });
});
