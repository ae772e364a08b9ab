import { describe, expect, it } from 'vitest';
import { expectError, useGatewayWorld } from './gateway-world.ts';
import { staffMember } from './staff-support.ts';

describe('unread messages per conversation', () => {
  const world = useGatewayWorld({ shared: true });

  it('counts inbound messages after the read mark, which moves only forward', async () => {
    const tenant = await world.connectedTenant('unread-a');
    const agent = await staffMember(world.gateway, tenant, { email: 'kim@example.org', role: 'agent' });
    const chatId = 5550060001;
    const unreadInList = async () =>
      (await agent.request({ method: 'GET', url: '/admin/conversations' })).json().items[0].unread;

    await world.say(tenant, chatId, 'one');
    await world.settled();
    await world.say(tenant, chatId, 'two');
    await world.settled();
    const conversation = await world.store.db.conversation.findFirstOrThrow({
      where: { tenantId: tenant.id },
    });
    const url = `/admin/conversations/${conversation.id}`;
    // The agent's replies are outbound: only the customer's two messages are unread.
    expect(await unreadInList()).toBe(2);
    expect((await agent.request({ method: 'GET', url })).json()).toMatchObject({
      unread: 2,
      staffReadAt: null,
    });

    const inbound = await world.store.db.message.findMany({
      where: { conversationId: conversation.id, direction: 'inbound' },
      orderBy: { createdAt: 'asc' },
    });
    const read = await agent.request({
      method: 'POST',
      url: `${url}/read`,
      payload: { messageId: inbound[1]!.id },
    });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual({ id: conversation.id, staffReadAt: inbound[1]!.createdAt.toISOString() });
    expect(await unreadInList()).toBe(0);

    // An older view reporting an older message leaves the mark where it is.
    const older = await agent.request({
      method: 'POST',
      url: `${url}/read`,
      payload: { messageId: inbound[0]!.id },
    });
    expect(older.json().staffReadAt).toBe(inbound[1]!.createdAt.toISOString());
    expect(await unreadInList()).toBe(0);

    await world.say(tenant, chatId, 'three');
    await world.settled();
    expect(await unreadInList()).toBe(1);
    expect((await agent.request({ method: 'GET', url })).json().unread).toBe(1);
  });

  it('names a missing message id, and a message of another conversation is not found', async () => {
    const tenant = await world.connectedTenant('unread-b');
    const agent = await staffMember(world.gateway, tenant, { email: 'lea@example.org', role: 'agent' });
    await world.say(tenant, 5550060002, 'hello');
    await world.say(tenant, 5550060003, 'hello too');
    await world.settled();
    const [first, second] = await world.store.db.conversation.findMany({ where: { tenantId: tenant.id } });
    const ofSecond = await world.store.db.message.findFirstOrThrow({ where: { conversationId: second!.id } });
    const url = `/admin/conversations/${first!.id}/read`;
    expect(
      expectError(await agent.request({ method: 'POST', url, payload: {} }), 400, 'VALIDATION_FAILED'),
    ).toContain('messageId');
    expect(
      expectError(
        await agent.request({ method: 'POST', url, payload: { messageId: ofSecond.id } }),
        404,
        'NOT_FOUND',
      ),
    ).toContain(ofSecond.id);
    expectError(
      await agent.request({
        method: 'POST',
        url: `${url}`,
        payload: { messageId: ofSecond.id },
        csrf: false,
      }),
      403,
      'FORBIDDEN',
    );
    const unchanged = await world.store.db.conversation.findUniqueOrThrow({ where: { id: first!.id } });
    expect(unchanged.staffReadAt).toBeNull();
  });
});
