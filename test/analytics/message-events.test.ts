/**
 * Message events from the real pipeline: a Telegram conversation through the normalizer, the
 * offline agent and the dispatcher, against the loopback fake Bot API.
 */
import { describe, expect, it } from 'vitest';
import { useGatewayWorld } from '../api/gateway-world.ts';
import { textUpdate } from '../support/gateway.ts';
import { dashboard } from './support.ts';

describe('message events', () => {
  const world = useGatewayWorld();

  const events = (tenantId: string, name: string) =>
    world.store.db.analyticsEvent.findMany({ where: { tenantId, name }, orderBy: { createdAt: 'asc' } });

  it('records message_received with the message and message_sent with each delivery', async () => {
    const tenant = await world.connectedTenant('bakery');
    await world.say(tenant, 5550003001, 'hello');
    // A second message before the first is answered would be one burst with one reply.
    await world.settled();
    await world.say(tenant, 5550003001, 'do you bake on sundays?');
    await world.say(tenant, 5550003002, 'hallo');
    await world.settled();

    const conversations = await world.store.db.conversation.findMany({ where: { tenantId: tenant.id } });
    const conversationIds = conversations.map((conversation) => conversation.id).sort();
    const received = await events(tenant.id, 'message_received');
    const sent = await events(tenant.id, 'message_sent');
    expect(received).toHaveLength(3);
    expect(sent).toHaveLength(3);
    for (const row of [...received, ...sent]) {
      expect(row).toMatchObject({ source: 'gateway', channel: 'telegram' });
      expect(conversationIds).toContain(JSON.parse(row.properties).conversation_id);
    }
    expect(JSON.parse(sent[0]!.properties)).toMatchObject({ direction: 'outbound', attempts: 1 });

    const today = new Date().toISOString().slice(0, 10);
    const answer = await dashboard(world.gateway, tenant, 'messages');
    expect(answer.items).toEqual([{ day: today, channel: 'telegram', inbound: 3, outbound: 3, failed: 0 }]);
  });

  it('records a redelivered update once, as the message itself is stored once', async () => {
    const tenant = await world.connectedTenant('florist');
    const update = textUpdate({ updateId: 7, messageId: 7, chatId: 5550003003, text: 'roses?' });
    for (let delivery = 0; delivery < 3; delivery += 1)
      expect((await world.gateway.postUpdate(tenant.slug, update, tenant.webhookSecret)).statusCode).toBe(
        200,
      );
    await world.settled();
    expect(await events(tenant.id, 'message_received')).toHaveLength(1);
    expect(await events(tenant.id, 'message_sent')).toHaveLength(1);
  });

  it('records message_failed with the error code when a reply is dead-lettered', async () => {
    const tenant = await world.connectedTenant('butcher');
    world.telegram.fail('sendMessage', [
      { status: 403, description: 'Forbidden: bot was blocked by the user' },
    ]);
    await world.say(tenant, 5550003004, 'hello');
    await world.settled();
    const [failed] = await events(tenant.id, 'message_failed');
    expect(JSON.parse(failed!.properties)).toMatchObject({
      channel: 'telegram',
      direction: 'outbound',
      reason: 'dead_lettered',
      error_code: 'PROVIDER_REJECTED',
      attempts: 1,
    });
    expect(await events(tenant.id, 'message_sent')).toHaveLength(0);
  });
});
