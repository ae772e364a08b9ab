/**
 * Delivery statuses on the live event stream, over real HTTP: a reply's outcome, the statuses
 * a provider reports later (WhatsApp's delivered and read), a staff reply held for a
 * template outside WhatsApp's 24-hour window, and a reply waiting for a retry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whatsappChange, whatsappConfig } from '../channels/whatsapp/fixtures.ts';
import { FAKE_APP_SECRET, FAKE_WHATSAPP } from '../fakes/meta-graph.ts';
import { type MetaWorld, startMetaWorld } from '../pipeline/meta-gateway.ts';
import { eventually } from '../support/gateway.ts';
import { type EventStream, listening, openStream } from './event-stream-support.ts';
import { type StaffSession, staffMember } from './staff-support.ts';

const customer = '15550000001';

describe('delivery statuses, live', () => {
  let world: MetaWorld;
  let staff: StaffSession;
  let stream: EventStream;

  beforeAll(async () => {
    world = await startMetaWorld();
    await world.configure('whatsapp', whatsappConfig);
    staff = await staffMember(world.gateway, world.tenant, { email: 'kim@example.org', role: 'agent' });
    stream = await openStream(await listening(world.gateway), staff);
  }, 60_000);

  afterAll(async () => {
    await stream?.close();
    await world?.close();
  });

  const post = (value: Record<string, unknown>) =>
    world.post('whatsapp', whatsappChange(value), FAKE_APP_SECRET);
  const statusesOf = (conversationId: string) =>
    stream.received.flatMap((event) =>
      event.type === 'message.status' && event.conversationId === conversationId ? [event.status] : [],
    );

  it("tells the reply's outcome, then the statuses WhatsApp reports for it", async () => {
    const inbound = await post({
      contacts: [{ profile: { name: 'Ada Test' }, wa_id: customer }],
      messages: [
        { from: customer, id: 'wamid.LIVE1', timestamp: '1767268800', type: 'text', text: { body: 'hi' } },
      ],
    });
    expect(inbound.statusCode).toBe(200);
    await world.settled();
    const reply = await world.store.db.message.findFirstOrThrow({ where: { direction: 'outbound' } });
    await stream.until((event) => event.type === 'message.status' && event.status === 'sent');

    for (const [status, timestamp] of [
      ['delivered', 1767268810],
      ['read', 1767268820],
    ] as const) {
      const answer = await post({
        statuses: [
          { id: reply.providerMessageId, status, timestamp: String(timestamp), recipient_id: customer },
        ],
      });
      expect(answer.statusCode).toBe(200);
      await stream.until(
        (event) =>
          event.type === 'message.status' &&
          event.conversationId === reply.conversationId &&
          event.status === status,
      );
    }
    expect(statusesOf(reply.conversationId)).toEqual(['sent', 'delivered', 'read']);
  }, 60_000);

  it('tells staff their reply waits for a template outside the 24-hour window', async () => {
    const conversation = await world.store.db.conversation.findFirstOrThrow({});
    await world.ageInbound(25);
    const url = `/admin/conversations/${conversation.id}`;
    expect((await staff.request({ method: 'POST', url: `${url}/takeover` })).statusCode).toBe(200);
    const reply = await staff.request({
      method: 'POST',
      url: `${url}/messages`,
      payload: { text: 'Still there?' },
    });
    expect(reply.statusCode, reply.body).toBe(202);
    await stream.until(
      (event) =>
        event.type === 'message.status' &&
        event.conversationId === conversation.id &&
        event.status === 'needs_template',
    );
    await eventually(
      async () => (await world.store.db.outboxMessage.count({ where: { status: 'held' } })) === 1,
    );
    expect(world.graph.sent().filter((message) => message.text === 'Still there?')).toEqual([]);
  });

  it('tells staff a reply waits for a retry after a failed send, then that it was sent', async () => {
    const other = '15550000002';
    const isText = (body: Record<string, unknown>) => body.type === 'text' && body.to === other;
    world.graph.fail(`/${FAKE_WHATSAPP.phoneNumberId}/messages`, [{ status: 500 }], isText);
    const inbound = await post({
      contacts: [{ profile: { name: 'Bo Test' }, wa_id: other }],
      messages: [
        { from: other, id: 'wamid.LIVE2', timestamp: '1767268900', type: 'text', text: { body: 'hello' } },
      ],
    });
    expect(inbound.statusCode).toBe(200);
    const identity = await eventually(() =>
      world.store.db.channelIdentity.findFirst({ where: { externalId: other } }),
    );
    const conversation = await world.store.db.conversation.findFirstOrThrow({
      where: { contactId: identity!.contactId },
    });
    await stream.until(
      (event) =>
        event.type === 'message.status' &&
        event.conversationId === conversation.id &&
        event.status === 'sent',
    );
    // The run that failed left the reply pending (`queued`); the retry's outcome followed.
    expect(statusesOf(conversation.id)).toEqual(['queued', 'sent']);
  }, 60_000);
});
