/**
 * No content in analytics: conversations with real message text, e-mail addresses and
 * subjects, tokens and phone numbers run through the whole pipeline, clients try to send the
 * same strings to the collector, and afterwards none of them is anywhere in the analytics
 * table — nor in what was forwarded to an external collector.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError, useGatewayWorld } from '../api/gateway-world.ts';
import { type FakeCollector, startFakeCollector } from '../fakes/analytics-collector.ts';
import { eventually } from '../support/gateway.ts';
import { collect, createWriteKey, exampleProperties } from './support.ts';

const secrets = {
  text: 'Bitte schick mir die Rechnung noch einmal',
  address: 'anna.schmidt@example.com',
  subject: 'Re: Quarterly invoice Q3 2025 for Schmidt GmbH',
  token: 'ya29.a0AfH6SMBx3kT9-oauth-access-token',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  phone: '+49 151 23456789',
  file: 'Gehaltsliste_2025.xlsx',
};
const CHATS = [5550007001, 5550007002];

describe('privacy of analytics', () => {
  const world = useGatewayWorld();
  let collector: FakeCollector;

  beforeEach(async () => {
    collector = await startFakeCollector();
  });

  afterEach(() => collector.close());

  it('stores no message text, address, subject, token, file name or provider id', async () => {
    const tenant = await world.connectedTenant('privacy');
    const forwarding = await world.gateway.request({
      method: 'PUT',
      url: '/admin/connector-hub/analytics_forwarding/config',
      token: tenant.apiToken,
      payload: { base_url: collector.url, write_key: collector.writeKey },
    });
    expect(forwarding.statusCode).toBe(200);
    const { writeKey } = await createWriteKey(world.gateway, tenant);

    // Each message is answered before the next: two at once in one chat are a burst with one reply.
    await world.say(tenant, CHATS[0]!, `${secrets.text} an ${secrets.address}, Betreff "${secrets.subject}"`);
    await world.say(
      tenant,
      CHATS[1]!,
      `My token is ${secrets.token} and ${secrets.jwt}, call ${secrets.phone}`,
    );
    await world.settled();
    await world.say(tenant, CHATS[1]!, `The file is ${secrets.file}`);

    // Clients that put content into events are refused...
    const used = exampleProperties.integration_used_in_chat;
    const refused: Array<[string, unknown]> = [
      [
        '/analytics/track',
        { event: 'integration_used_in_chat', properties: { ...used, chat_id: secrets.address } },
      ],
      [
        '/analytics/track',
        { event: 'integration_used_in_chat', properties: { ...used, subject: secrets.subject } },
      ],
      [
        '/analytics/track',
        {
          event: 'integration_oauth_failed',
          properties: { ...exampleProperties.integration_oauth_failed, oauth_error_code: secrets.token },
        },
      ],
      [
        '/analytics/track',
        {
          event: 'integration_data_fetched',
          properties: { ...exampleProperties.integration_data_fetched, file_name: secrets.file },
        },
      ],
      ['/analytics/track/view', { app: 'web', contentId: secrets.subject, contentType: 'post' }],
      ['/analytics/track/view', { app: 'web', contentId: `GET:/reset/${secrets.jwt}`, contentType: 'page' }],
    ];
    for (const [path, body] of refused) {
      expectError(await collect(world.gateway, writeKey, path, body), 400, 'VALIDATION_FAILED');
    }
    // ...and personal fields the seed client sends are accepted but never stored.
    const view = await collect(world.gateway, writeKey, '/analytics/track/view', {
      app: 'web',
      contentId: 'GET:/api/integrations',
      contentType: 'page',
      deviceType: 'mobile',
      userId: secrets.address,
      sessionId: secrets.token,
      ipAddress: '203.0.113.7',
    });
    expect(view.statusCode).toBe(200);
    // Metadata the privacy rules exclude is dropped from an engagement, not stored, and counted.
    const engagement = await collect(world.gateway, writeKey, '/analytics/track/engagement', {
      metricType: 'comment',
      targetId: 'x',
      targetType: 'content',
      metadata: { text: secrets.text },
    });
    expect(engagement.statusCode).toBe(200);
    expect(engagement.json()).toMatchObject({ droppedMetadataKeys: 1 });
    await world.settled();

    const { db } = world.store;
    const replies = await db.message.findMany({ where: { tenantId: tenant.id, direction: 'outbound' } });
    expect(replies.length).toBe(3);
    const forbidden = [
      ...Object.values(secrets),
      ...secrets.text.split(' ').filter((word) => word.length > 5),
      ...replies.map((reply) => reply.text!),
      ...CHATS.map(String),
      'Ada',
      '203.0.113.7',
      tenant.botToken,
      tenant.webhookSecret,
      tenant.apiToken,
      writeKey,
      collector.writeKey,
    ];

    // Every column of every row, as the database returns it.
    const rows = await db.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "analytics_events"`;
    expect(rows.map((row) => row.name).sort()).toEqual(
      [
        ...Array(3).fill('message_received'),
        ...Array(3).fill('message_sent'),
        'content_viewed',
        'engagement_recorded',
      ].sort(),
    );
    const table = JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    for (const value of forbidden) expect(table, value).not.toContain(value);

    // Forwarding is at least once: a forward whose answer came too late is sent again.
    const distinct = () => new Set(collector.accepted.map((request) => JSON.stringify(request))).size;
    await eventually(() => distinct() === 8, 20_000, 'the forwarded events');
    const forwarded = JSON.stringify(collector.accepted);
    for (const value of forbidden) expect(forwarded, value).not.toContain(value);
  });
});
