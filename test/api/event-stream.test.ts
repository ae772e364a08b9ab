import { describe, expect, it } from 'vitest';
import type { WorkspaceEvent } from '../../src/server/events.ts';
import { postgresServerUrl } from '../support/database.ts';
import { startTestGateway } from '../support/gateway.ts';
import { SECOND_BOT_TOKEN, useGatewayWorld } from './gateway-world.ts';
import { type StaffSession, staffMember } from './staff-support.ts';

/** Reads server-sent events from a listening gateway into an array until closed. */
async function openStream(baseUrl: string, session: StaffSession) {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/admin/events`, {
    headers: { cookie: session.cookie },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const received: WorkspaceEvent[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((line) => line.startsWith('data: '));
        if (data) received.push(JSON.parse(data.slice(6)) as WorkspaceEvent);
        buffer = buffer.slice(end + 2);
      }
    }
  })().catch(() => undefined);
  return {
    received,
    async until(predicate: (event: WorkspaceEvent) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!received.some(predicate)) {
        if (Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe('live event stream', () => {
  const world = useGatewayWorld({ shared: true });

  async function listening(gateway = world.gateway) {
    await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    const address = gateway.app.server.address();
    if (!address || typeof address !== 'object') throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  it("streams the tenant's new messages, states and delivery outcomes, and none of another tenant's", async () => {
    const baseUrl = await listening();
    const a = await world.connectedTenant('events-a');
    const b = await world.connectedTenant('events-b', SECOND_BOT_TOKEN);
    const staffOfA = await staffMember(world.gateway, a, { email: 'a@example.org', role: 'agent' });
    const staffOfB = await staffMember(world.gateway, b, { email: 'b@example.org', role: 'agent' });
    const streamOfA = await openStream(baseUrl, staffOfA);
    const streamOfB = await openStream(baseUrl, staffOfB);

    await world.say(a, 5550040001, 'hello live');
    const conversation = await world.store.db.conversation.findFirstOrThrow({ where: { tenantId: a.id } });
    await streamOfA.until(
      (event) => event.type === 'message.created' && event.conversationId === conversation.id,
    );
    await streamOfA.until((event) => event.type === 'message.status' && event.status === 'sent');
    await staffOfA.request({ method: 'POST', url: `/admin/conversations/${conversation.id}/takeover` });
    await streamOfA.until((event) => event.type === 'conversation.state' && event.state === 'human');
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
