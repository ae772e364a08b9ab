import { describe, expect, it } from 'vitest';
import { postgresServerUrl } from '../support/database.ts';
import { startTestGateway } from '../support/gateway.ts';
import { listening, openStream } from './event-stream-support.ts';
import { expectError, SECOND_BOT_TOKEN, useGatewayWorld } from './gateway-world.ts';
import { staffMember } from './staff-support.ts';

describe('live event stream', () => {
  const world = useGatewayWorld({ shared: true });

  it("streams the tenant's new messages, states and delivery outcomes, and none of another tenant's", async () => {
    const baseUrl = await listening(world.gateway);
    const a = await world.connectedTenant('events-a');
    const b = await world.connectedTenant('events-b', SECOND_BOT_TOKEN);
    const staffOfA = await staffMember(world.gateway, a, { email: 'a@example.org', role: 'agent' });
    const staffOfB = await staffMember(world.gateway, b, { email: 'b@example.org', role: 'agent' });
    const streamOfA = await openStream(baseUrl, staffOfA);
    const streamOfB = await openStream(baseUrl, staffOfB);

    const first = await world.say(a, 5550040001, 'hello live');
    const conversation = await world.store.db.conversation.findFirstOrThrow({ where: { tenantId: a.id } });
    await streamOfA.until(
      (event) => event.type === 'message.created' && event.conversationId === conversation.id,
    );
    await streamOfA.until((event) => event.type === 'message.status' && event.status === 'sent');
    // The customer edits the message: the transcript changed.
    const edited = await world.gateway.postUpdate(
      a.slug,
      {
        update_id: 9_000_001,
        edited_message: { ...first.message, text: 'hello live, edited', edit_date: 1767268900 },
      },
      a.webhookSecret,
    );
    expect(edited.statusCode, edited.body).toBe(200);
    await streamOfA.until(
      (event) => event.type === 'message.edited' && event.conversationId === conversation.id,
    );
    const url = `/admin/conversations/${conversation.id}`;
    await staffOfA.request({ method: 'POST', url: `${url}/takeover` });
    await streamOfA.until((event) => event.type === 'conversation.state' && event.state === 'human');
    await staffOfA.request({ method: 'POST', url: `${url}/notes`, payload: { text: 'hello live note' } });
    await streamOfA.until((event) => event.type === 'conversation.note');
    await staffOfA.request({ method: 'POST', url: `${url}/assign`, payload: { userId: null } });
    await streamOfA.until((event) => event.type === 'conversation.assigned' && event.assigneeId === null);
    const newest = await world.store.db.message.findFirstOrThrow({
      where: { conversationId: conversation.id, direction: 'inbound' },
    });
    await staffOfA.request({ method: 'POST', url: `${url}/read`, payload: { messageId: newest.id } });
    await streamOfA.until((event) => event.type === 'conversation.read');
    await world.say(a, 5550040002, 'I want to talk to a human');
    await streamOfA.until((event) => event.type === 'conversation.state' && event.state === 'needs_human');
    await world.settled();

    expect(streamOfB.received).toEqual([]);
    for (const event of streamOfA.received) {
      expect(event.tenantId).toBe(a.id);
      expect(JSON.stringify(event)).not.toContain('hello live');
    }
    await streamOfA.close();
    await streamOfB.close();
    // Three agent turns, deliveries and two argon2 logins: slow on a busy machine, not stuck.
  }, 60_000);

  it('streams pending actions as they are created, approved, rejected and run', async () => {
    const baseUrl = await listening(world.gateway);
    const tenant = await world.connectedTenant('events-actions');
    const admin = await staffMember(world.gateway, tenant, { email: 'boss@example.org', role: 'admin' });
    // Handing a conversation to staff is a call of the agent's `request_human` tool: here it needs approval.
    const settings = await admin.request({
      method: 'PUT',
      url: '/admin/agent',
      payload: { approvalRequired: ['request_human'] },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    const stream = await openStream(baseUrl, admin);

    await world.say(tenant, 5550040011, 'I want to talk to a human');
    const created = await stream.until(
      (event) => event.type === 'action.status' && event.status === 'pending',
    );
    if (created.type !== 'action.status') throw new Error('unreachable');
    const conversation = await world.store.db.conversation.findFirstOrThrow({
      where: { tenantId: tenant.id, externalChatId: '5550040011' },
    });
    expect(created.conversationId).toBe(conversation.id);
    expect(
      (await world.store.db.pendingAction.findUniqueOrThrow({ where: { id: created.actionId } })).tool,
    ).toBe('request_human');

    const approved = await admin.request({
      method: 'POST',
      url: `/admin/actions/${created.actionId}/approve`,
    });
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: `user:${admin.userId}` });
    const isAction = (status: string) => (event: (typeof stream.received)[number]) =>
      event.type === 'action.status' && event.actionId === created.actionId && event.status === status;
    await stream.until(isAction('approved'));
    await stream.until(isAction('done'));
    await stream.until(
      (event) =>
        event.type === 'conversation.state' &&
        event.conversationId === conversation.id &&
        event.state === 'needs_human',
    );

    await world.say(tenant, 5550040012, 'I want to talk to a human');
    const second = await stream.until(
      (event) =>
        event.type === 'action.status' && event.status === 'pending' && event.actionId !== created.actionId,
    );
    if (second.type !== 'action.status') throw new Error('unreachable');
    await admin.request({ method: 'POST', url: `/admin/actions/${second.actionId}/reject` });
    await stream.until(
      (event) =>
        event.type === 'action.status' && event.actionId === second.actionId && event.status === 'rejected',
    );
    await world.settled();
    const ofSecond = stream.received.filter(
      (event) => event.type === 'action.status' && event.actionId === second.actionId,
    );
    expect(ofSecond.map((event) => (event.type === 'action.status' ? event.status : ''))).toEqual([
      'pending',
      'rejected',
    ]);
    await stream.close();
  }, 60_000);

  it('answers a logged-out or missing session with 401 and opens no stream', async () => {
    const tenant = await world.connectedTenant('events-closed');
    const staff = await staffMember(world.gateway, tenant, { email: 'gone@example.org', role: 'agent' });
    expect((await staff.request({ method: 'POST', url: '/auth/logout' })).statusCode).toBe(204);
    expectError(await staff.request({ method: 'GET', url: '/admin/events' }), 401, 'UNAUTHORIZED');
    expectError(await world.gateway.app.inject({ method: 'GET', url: '/admin/events' }), 401, 'UNAUTHORIZED');
  });

  it.skipIf(!postgresServerUrl())('reaches a second process on the same PostgreSQL database', async () => {
    const second = await startTestGateway({ store: world.store, telegram: world.telegram });
    try {
      const secondUrl = await listening(second);
      const tenant = await world.connectedTenant('events-multi');
      const staff = await staffMember(world.gateway, tenant, { email: 'm@example.org', role: 'agent' });
      const stream = await openStream(secondUrl, staff);
      // The webhook reaches the first process; the stream is open on the second.
      await world.say(tenant, 5550040003, 'across processes');
      await stream.until((event) => event.type === 'message.created' && event.tenantId === tenant.id);
      await stream.close();
    } finally {
      await second.close();
    }
  });
});
