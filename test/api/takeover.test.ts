import { describe, expect, it } from 'vitest';
import { HANDBACK_NOTE } from '../../src/server/routes/conversation-actions.ts';
import { expectError, SECOND_BOT_TOKEN, useGatewayWorld } from './gateway-world.ts';
import { staffMember } from './staff-support.ts';

describe('conversation states and staff replies', () => {
  const world = useGatewayWorld({ shared: true });
  let tenants = 0;
  let chats = 5550030000;

  /** A tenant whose customer wrote once (the agent answered), and an admin and an agent of its staff. */
  async function scene(botToken?: string) {
    const tenant = await world.connectedTenant(`takeover-${++tenants}`, botToken);
    const chatId = ++chats;
    await world.say(tenant, chatId, 'Hello, what are your opening hours?');
    await world.settled();
    const conversation = await world.store.db.conversation.findFirstOrThrow({
      where: { tenantId: tenant.id },
    });
    const admin = await staffMember(world.gateway, tenant, {
      email: `admin${tenants}@example.org`,
      role: 'admin',
    });
    const agent = await staffMember(world.gateway, tenant, {
      email: `agent${tenants}@example.org`,
      role: 'agent',
    });
    const sentTo = () => world.telegram.sent().filter((message) => message.chat_id === String(chatId));
    return { tenant, chatId, conversation, admin, agent, sentTo };
  }

  it('takes over, sends the staff text once, keeps the agent silent, hands back and the agent answers', async () => {
    const { tenant, chatId, conversation, agent, sentTo } = await scene();
    expect(conversation.state).toBe('bot');
    expect(sentTo()).toHaveLength(1);
    const url = `/admin/conversations/${conversation.id}`;

    const taken = await agent.request({ method: 'POST', url: `${url}/takeover` });
    expect(taken.json()).toEqual({ id: conversation.id, state: 'human', assigneeId: agent.userId });
    expectError(await agent.request({ method: 'POST', url: `${url}/takeover` }), 409, 'CONFLICT');

    const reply = await agent.request({
      method: 'POST',
      url: `${url}/messages`,
      payload: { text: 'Hi, this is Kim.' },
    });
    expect(reply.statusCode, reply.body).toBe(202);
    await world.settled();
    expect(
      sentTo()
        .map((message) => message.text)
        .slice(1),
    ).toEqual(['Hi, this is Kim.']);

    await world.say(tenant, chatId, 'Thanks Kim, one more question');
    await world.settled();
    expect(sentTo()).toHaveLength(2);

    const note = await agent.request({
      method: 'POST',
      url: `${url}/notes`,
      payload: { text: 'VIP customer' },
    });
    expect(note.statusCode).toBe(201);
    const back = await agent.request({ method: 'POST', url: `${url}/handback` });
    expect(back.json().state).toBe('bot');
    await world.say(tenant, chatId, 'What are your opening hours on Sunday?');
    await world.settled();
    expect(sentTo()).toHaveLength(3);

    const transcript = await agent.request({ method: 'GET', url: `${url}/messages?limit=200` });
    const rows = transcript.json().items as Array<{ direction: string; kind: string; text: string }>;
    expect(rows.filter((row) => row.kind === 'state').map((row) => row.text)).toEqual([
      'bot → human',
      'human → bot',
    ]);
    expect(rows.find((row) => row.kind === 'note')?.text).toBe('VIP customer');
    expect(rows.find((row) => row.kind === 'handback_note')?.text).toBe(HANDBACK_NOTE);
    const audit = await world.store.db.auditLog.findMany({
      where: { tenantId: tenant.id, target: conversation.id },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((row) => [row.action, row.actor])).toEqual([
      ['conversation.takeover', `user:${agent.userId}`],
      ['conversation.replied', `user:${agent.userId}`],
      ['conversation.noted', `user:${agent.userId}`],
      ['conversation.handback', `user:${agent.userId}`],
    ]);
    // Four agent turns and three deliveries: slow when the machine is busy, not stuck.
  }, 90_000);

  it('moves through close and reopen, reopens when the customer writes, filters by state, and refuses a reply unless taken over', async () => {
    const { tenant, chatId, conversation, admin, agent, sentTo } = await scene();
    const url = `/admin/conversations/${conversation.id}`;
    expectError(
      await admin.request({ method: 'POST', url: `${url}/messages`, payload: { text: 'too early' } }),
      409,
      'CONFLICT',
    );
    expectError(await admin.request({ method: 'POST', url: `${url}/reopen` }), 409, 'CONFLICT');
    expect((await admin.request({ method: 'POST', url: `${url}/close` })).json().state).toBe('closed');
    const byState = async (state: string) =>
      (await admin.request({ method: 'GET', url: `/admin/conversations?state=${state}` }))
        .json()
        .items.map((item: { id: string }) => item.id);
    expect(await byState('closed')).toEqual([conversation.id]);
    expect(await byState('bot')).toEqual([]);
    expectError(
      await admin.request({ method: 'GET', url: '/admin/conversations?state=open' }),
      400,
      'VALIDATION_FAILED',
    );
    expect((await admin.request({ method: 'POST', url: `${url}/reopen` })).json().state).toBe('bot');

    // Closed again; the customer writing reopens it to the agent, which answers.
    await admin.request({ method: 'POST', url: `${url}/close` });
    await world.say(tenant, chatId, 'anyone there?');
    await world.settled();
    expect(sentTo()).toHaveLength(2);
    const reopened = await world.store.db.conversation.findUniqueOrThrow({ where: { id: conversation.id } });
    expect(reopened.state).toBe('bot');
    const transcript = await admin.request({ method: 'GET', url: `${url}/messages?limit=200` });
    const rows = transcript.json().items as Array<{
      kind: string;
      direction: string;
      text: string;
      parts: unknown[];
    }>;
    expect(rows.filter((row) => row.kind === 'state').map((row) => [row.text, row.parts[0]])).toEqual([
      ['bot → closed', expect.objectContaining({ transition: 'close', actor: `user:${admin.userId}` })],
      ['closed → bot', expect.objectContaining({ transition: 'reopen', actor: `user:${admin.userId}` })],
      ['bot → closed', expect.objectContaining({ transition: 'close' })],
      ['closed → bot', expect.objectContaining({ transition: 'reopen', actor: 'customer' })],
    ]);
    // The customer's message and the reopening it caused (stored in one transaction), then the agent's answer.
    expect(rows.slice(-3).map((row) => [row.direction, row.kind])).toEqual(
      expect.arrayContaining([
        ['inbound', 'text'],
        ['internal', 'state'],
      ]),
    );
    expect(rows.at(-1)).toMatchObject({ direction: 'outbound', kind: 'text' });
    const audit = await world.store.db.auditLog.findMany({
      where: { tenantId: tenant.id, target: conversation.id, action: 'conversation.reopen' },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((row) => [row.actor, JSON.parse(row.details)])).toEqual([
      [`user:${admin.userId}`, { from: 'closed', to: 'bot' }],
      ['customer', { from: 'closed', to: 'bot' }],
    ]);

    const assigned = await admin.request({
      method: 'POST',
      url: `${url}/assign`,
      payload: { userId: agent.userId },
    });
    expect(assigned.json()).toEqual({ id: conversation.id, assigneeId: agent.userId });
    const mine = await admin.request({ method: 'GET', url: `/admin/conversations?assignee=${agent.userId}` });
    expect(mine.json().items.map((item: { id: string }) => item.id)).toEqual([conversation.id]);
    expectError(
      await admin.request({ method: 'POST', url: `${url}/assign`, payload: { userId: 'nobody' } }),
      404,
      'NOT_FOUND',
    );
  });

  it("refuses takeover and replies for another tenant's user, a logged-out session and a missing CSRF token", async () => {
    const a = await scene();
    const b = await scene(SECOND_BOT_TOKEN);
    const url = `/admin/conversations/${a.conversation.id}`;
    for (const action of ['takeover', 'messages'] as const) {
      const payload = action === 'messages' ? { text: 'from B' } : undefined;
      expectError(
        await b.agent.request({ method: 'POST', url: `${url}/${action}`, ...(payload ? { payload } : {}) }),
        404,
        'NOT_FOUND',
      );
      expectError(
        await a.agent.request({
          method: 'POST',
          url: `${url}/${action}`,
          csrf: false,
          ...(payload ? { payload } : {}),
        }),
        403,
        'FORBIDDEN',
      );
    }
    expect((await a.agent.request({ method: 'POST', url: '/auth/logout' })).statusCode).toBe(204);
    expectError(await a.agent.request({ method: 'POST', url: `${url}/takeover` }), 401, 'UNAUTHORIZED');
    const state = await world.store.db.conversation.findUniqueOrThrow({ where: { id: a.conversation.id } });
    expect(state.state).toBe('bot');
    expect(a.sentTo()).toHaveLength(1);
  });
});
