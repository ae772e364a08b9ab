import type { LightMyRequestResponse } from 'fastify';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPendingAction } from '../../src/agent/pending-actions.ts';
import { recordTurnUsage } from '../../src/agent/token-usage.ts';
import { createWriteKey, exampleEvent, exampleProperties } from '../analytics/support.ts';
import {
  type ConnectedTenant,
  expectError,
  type GatewayWorld,
  SECOND_BOT_TOKEN,
  useGatewayWorld,
} from '../api/gateway-world.ts';
import { type StaffSession, staffMember } from '../api/staff-support.ts';
import { FAKE_BOT_TOKEN } from '../fakes/telegram-api.ts';
import { ADMIN_TOKEN, textUpdate } from '../support/gateway.ts';
import { registeredRoutes } from '../support/routes.ts';

/** Two tenants with a bot each and conversations of their own; B is the one trying to reach A. */
interface Scene {
  world: GatewayWorld;
  a: ConnectedTenant;
  b: ConnectedTenant;
  conversationOfA: string;
  conversationOfB: string;
  /** The id of A's collector write key. */
  writeKeyOfA: string;
  /** The id of A's API token. */
  tokenOfA: string;
  /** The contact who wrote to A. */
  contactOfA: string;
  /** A's staff member, logged in; B's staff member is the fourth identity. */
  staffOfA: StaffSession;
  staffOfB: StaffSession;
  /** The ids of A's and B's pending actions (a tool call waiting for approval). */
  actionOfA: string;
  actionOfB: string;
}

/** Who sends B's requests: B's own token, B's token claiming A, or the admin acting for B. */
interface Identity {
  name: string;
  headers(scene: Scene): Record<string, string>;
}

const identities: Identity[] = [
  { name: "B's token", headers: ({ b }) => ({ authorization: `Bearer ${b.apiToken}` }) },
  {
    name: "B's token with X-Tenant naming A",
    headers: ({ a, b }) => ({ authorization: `Bearer ${b.apiToken}`, 'x-tenant': a.slug }),
  },
  {
    name: 'the admin token with X-Tenant naming B',
    headers: ({ b }) => ({ authorization: `Bearer ${ADMIN_TOKEN}`, 'x-tenant': b.slug }),
  },
  {
    name: "B's staff session (an admin) with X-Tenant naming A",
    headers: ({ a, staffOfB }) => ({
      cookie: staffOfB.cookie,
      'x-csrf-token': staffOfB.csrfToken,
      'x-tenant': a.slug,
    }),
  },
];

type Method = 'GET' | 'PUT' | 'DELETE' | 'POST';

interface TenantRoute {
  method: Method;
  /** The path as registered with Fastify. */
  path: string;
  /** A concrete request to the route; where it takes an id, the id of tenant A's data. */
  url(scene: Scene): string;
  payload?: Record<string, unknown>;
  /** Proves from B's answer (and the database) that B saw and changed only B's data. */
  check(scene: Scene, response: LightMyRequestResponse): Promise<void>;
  /** Sends the request itself instead of `inject` (the event stream never ends on its own). */
  send?(scene: Scene, headers: Record<string, string>): Promise<LightMyRequestResponse>;
}

/** Every route that acts for a tenant. A test below keeps this list complete. */
const tenantRoutes: TenantRoute[] = [
  {
    method: 'GET',
    path: '/admin/integrations/:provider/connect',
    url: () => '/admin/integrations/google/connect',
    async check({ world, b }, response) {
      // B saved no Google client: nothing to start, and A's client is not borrowed.
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('a-client');
      expect(await world.store.db.oAuthState.count({ where: { tenantId: b.id } })).toBe(0);
    },
  },
  {
    method: 'GET',
    path: '/admin/integrations/:provider/status',
    url: () => '/admin/integrations/google/status',
    async check(_scene, response) {
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ provider: 'google', status: 'disconnected', services: [] });
    },
  },
  {
    method: 'POST',
    path: '/admin/integrations/:provider/disconnect',
    url: () => '/admin/integrations/google/disconnect',
    async check({ world, a }, response) {
      expect(response.statusCode).toBe(404);
      const grant = await world.store.db.oAuthGrant.findFirstOrThrow({ where: { tenantId: a.id } });
      expect(grant.status).toBe('connected');
    },
  },
  {
    method: 'GET',
    path: '/admin/connector-hub/catalog',
    url: () => '/admin/connector-hub/catalog',
    async check(_scene, response) {
      expect(response.statusCode).toBe(200);
      // A's connection test failed while B's bot works: B must see its own status.
      const telegram = response.json().items.find((item: { id: string }) => item.id === 'telegram');
      expect(telegram.status).toBe('connected');
    },
  },
  {
    method: 'GET',
    path: '/admin/connector-hub/:id/config',
    url: () => '/admin/connector-hub/telegram/config',
    async check({ a, b }, response) {
      expect(response.statusCode).toBe(200);
      const { values, details } = response.json();
      expect(values.bot_token).toBe(`••••${b.botToken.slice(-4)}`);
      expect(values.webhook_secret).toBe(`••••${b.webhookSecret.slice(-4)}`);
      expect(details.bot_id).toBe(b.botToken.split(':')[0]);
      expect(response.body).not.toContain(a.webhookSecret.slice(-4));
    },
  },
  {
    method: 'PUT',
    path: '/admin/connector-hub/:id/config',
    url: () => '/admin/connector-hub/telegram/config',
    payload: { admin_chat_id: '424242' },
    async check({ world, b }, response) {
      expect(response.statusCode).toBe(200);
      const row = await world.connectorRow(b);
      expect(JSON.parse(row!.values).admin_chat_id).toBe('424242');
    },
  },
  {
    method: 'DELETE',
    path: '/admin/connector-hub/:id/config',
    url: () => '/admin/connector-hub/telegram/config',
    async check({ world, b }, response) {
      expect(response.statusCode).toBe(204);
      expect(await world.connectorRow(b)).toBeNull();
    },
  },
  {
    method: 'GET',
    path: '/admin/connector-hub/:id/setup-docs',
    url: () => '/admin/connector-hub/telegram/setup-docs',
    async check({ a }, response) {
      expect(response.statusCode).toBe(200);
      expect(response.json().markdown).toContain('BotFather');
      expect(response.body).not.toContain(a.slug);
    },
  },
  {
    method: 'POST',
    path: '/admin/connector-hub/:id/test',
    url: () => '/admin/connector-hub/telegram/test',
    async check({ world, b }, response) {
      expect(response.json()).toEqual({ ok: true, detail: '@gateway_test_bot' });
      const lastGetMe = world.telegram.calls.findLast((call) => call.method === 'getMe');
      expect(lastGetMe?.token).toBe(b.botToken);
      expect(
        await world.store.db.auditLog.count({ where: { tenantId: b.id, action: 'connector.tested' } }),
      ).toBe(1);
    },
  },
  {
    method: 'GET',
    path: '/admin/conversations',
    url: () => '/admin/conversations',
    async check({ world, b }, response) {
      expect(response.statusCode).toBe(200);
      const own = await world.store.db.conversation.findMany({
        where: { tenantId: b.id },
        select: { id: true },
      });
      const listed = response.json().items.map((item: { id: string }) => item.id);
      expect(listed.sort()).toEqual(own.map((row) => row.id).sort());
    },
  },
  {
    method: 'GET',
    path: '/admin/conversations/:id/messages',
    url: ({ conversationOfA }) => `/admin/conversations/${conversationOfA}/messages`,
    async check(scene, response) {
      expectError(response, 404, 'NOT_FOUND');
      expect(response.body).not.toContain('Hello from A');
      // The same caller does reach B's own transcript, so the 404 is about ownership.
      const own = await scene.world.gateway.app.inject({
        method: 'GET',
        url: `/admin/conversations/${scene.conversationOfB}/messages`,
        headers: identities[0]!.headers(scene),
      });
      expect(own.statusCode).toBe(200);
      expect(own.body).toContain('Hello from B');
    },
  },
  {
    method: 'GET',
    path: '/admin/agent',
    url: () => '/admin/agent',
    async check(_scene, response) {
      expect(response.statusCode).toBe(200);
      expect(response.json().systemPrompt).toBe('');
      expect(response.body).not.toContain('Prompt of A');
    },
  },
  {
    method: 'PUT',
    path: '/admin/agent',
    url: () => '/admin/agent',
    payload: { systemPrompt: 'Prompt of B' },
    async check({ world, a, b }, response) {
      expect(response.statusCode).toBe(200);
      const prompt = async (id: string) =>
        JSON.parse((await world.store.db.tenant.findUniqueOrThrow({ where: { id } })).agentSettings ?? '{}')
          .systemPrompt;
      expect(await prompt(b.id)).toBe('Prompt of B');
      expect(await prompt(a.id)).toBe('Prompt of A');
    },
  },
  ...analyticsRoutes(),
  ...dataProtectionRoutes(),
  ...workspaceRoutes(),
  ...agentSafetyRoutes(),
];

/** Tokens, the audit log, contact export and erasure, and retention (issue 9). */
function dataProtectionRoutes(): TenantRoute[] {
  const tokensOf = (scene: Scene, tenant: ConnectedTenant) =>
    scene.world.store.db.apiToken.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } });
  const retentionOf = async (scene: Scene, tenant: ConnectedTenant) =>
    (await scene.world.store.db.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).retentionDays;
  return [
    {
      method: 'POST',
      path: '/admin/tokens',
      url: () => '/admin/tokens',
      payload: { label: 'b-token' },
      async check(scene, response) {
        expect(response.statusCode, response.body).toBe(201);
        expect(response.json()).toMatchObject({ kind: 'tenant', label: 'b-token' });
        expect((await tokensOf(scene, scene.b)).map((token) => token.id)).toContain(response.json().id);
        expect(await tokensOf(scene, scene.a)).toHaveLength(1);
      },
    },
    {
      method: 'GET',
      path: '/admin/tokens',
      url: () => '/admin/tokens',
      async check(scene, response) {
        expect(response.statusCode).toBe(200);
        const own = (await tokensOf(scene, scene.b)).map((token) => token.id);
        expect(
          response
            .json()
            .items.map((item: { id: string }) => item.id)
            .sort(),
        ).toEqual(own);
        expect(response.body).not.toContain(scene.tokenOfA);
      },
    },
    {
      method: 'DELETE',
      path: '/admin/tokens/:id',
      url: ({ tokenOfA }) => `/admin/tokens/${tokenOfA}`,
      async check(scene, response) {
        expectError(response, 404, 'NOT_FOUND');
        const [token] = await tokensOf(scene, scene.a);
        expect(token!.revokedAt).toBeNull();
      },
    },
    {
      method: 'GET',
      path: '/admin/audit-log',
      url: () => '/admin/audit-log?limit=200',
      async check({ world, b }, response) {
        expect(response.statusCode, response.body).toBe(200);
        const own = await world.store.db.auditLog.count({ where: { tenantId: b.id } });
        const items = response.json().items as Array<{ tenantId: string }>;
        expect(items.length).toBeGreaterThan(0);
        expect(items).toHaveLength(own);
        expect(items.every((item) => item.tenantId === b.id)).toBe(true);
      },
    },
    {
      method: 'GET',
      path: '/admin/contacts/:id/export',
      url: ({ contactOfA }) => `/admin/contacts/${contactOfA}/export`,
      async check(_scene, response) {
        expectError(response, 404, 'NOT_FOUND');
        expect(response.body).not.toContain('Hello from A');
      },
    },
    {
      method: 'DELETE',
      path: '/admin/contacts/:id',
      url: ({ contactOfA }) => `/admin/contacts/${contactOfA}`,
      async check({ world, contactOfA }, response) {
        expectError(response, 404, 'NOT_FOUND');
        expect(await world.store.db.contact.count({ where: { id: contactOfA } })).toBe(1);
      },
    },
    {
      method: 'GET',
      path: '/admin/retention',
      url: () => '/admin/retention',
      async check(_scene, response) {
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ retentionDays: null });
      },
    },
    {
      method: 'PUT',
      path: '/admin/retention',
      url: () => '/admin/retention',
      payload: { retentionDays: 7 },
      async check(scene, response) {
        expect(response.statusCode, response.body).toBe(200);
        expect(await retentionOf(scene, scene.b)).toBe(7);
        expect(await retentionOf(scene, scene.a)).toBe(30);
      },
    },
  ];
}

/** The staff workspace: conversation actions, users and the event stream. A's ids in every path. */
function workspaceRoutes(): TenantRoute[] {
  const refusedOnA = (action: string, payload?: Record<string, string>): TenantRoute => ({
    method: 'POST',
    path: `/admin/conversations/:id/${action}`,
    url: ({ conversationOfA }) => `/admin/conversations/${conversationOfA}/${action}`,
    ...(payload ? { payload } : {}),
    async check(_scene, response) {
      expectError(response, 404, 'NOT_FOUND');
    },
  });
  return [
    {
      method: 'GET',
      path: '/admin/conversations/:id',
      url: ({ conversationOfA }) => `/admin/conversations/${conversationOfA}`,
      async check(_scene, response) {
        expectError(response, 404, 'NOT_FOUND');
        expect(response.body).not.toContain('5550001001');
      },
    },
    refusedOnA('takeover'),
    refusedOnA('handback'),
    refusedOnA('close'),
    refusedOnA('reopen'),
    refusedOnA('assign', { userId: 'nobody' }),
    refusedOnA('notes', { text: 'note from B' }),
    refusedOnA('messages', { text: 'reply from B' }),
    {
      method: 'POST',
      path: '/admin/conversations/:id/media',
      url: ({ conversationOfA }) => `/admin/conversations/${conversationOfA}/media`,
      send: (scene, headers) =>
        scene.world.gateway.app.inject({
          method: 'POST',
          url: `/admin/conversations/${scene.conversationOfA}/media`,
          headers: { ...headers, 'content-type': 'application/pdf' },
          payload: Buffer.from('%PDF-1.4\nfile from B\n%%EOF\n'),
        }),
      async check(_scene, response) {
        expectError(response, 404, 'NOT_FOUND');
      },
    },
    {
      method: 'POST',
      path: '/admin/conversations/:id/read',
      url: ({ conversationOfA }) => `/admin/conversations/${conversationOfA}/read`,
      payload: { messageId: 'any' },
      async check({ world, conversationOfA }, response) {
        expectError(response, 404, 'NOT_FOUND');
        const conversation = await world.store.db.conversation.findUniqueOrThrow({
          where: { id: conversationOfA },
        });
        expect(conversation.staffReadAt).toBeNull();
      },
    },
    {
      method: 'GET',
      path: '/admin/users',
      url: () => '/admin/users',
      async check({ staffOfA, staffOfB }, response) {
        expect(response.statusCode).toBe(200);
        expect(response.json().items.map((user: { email: string }) => user.email)).toEqual([staffOfB.email]);
        expect(response.body).not.toContain(staffOfA.email);
      },
    },
    {
      method: 'POST',
      path: '/admin/users',
      url: () => '/admin/users',
      payload: { email: 'invited-by-b@example.org', name: 'Invited', role: 'agent' },
      async check({ world, a, b }, response) {
        expect(response.statusCode, response.body).toBe(201);
        const invited = await world.store.db.staffUser.findMany({
          where: { email: 'invited-by-b@example.org', tenantId: { in: [a.id, b.id] } },
        });
        expect(invited.map((user) => user.tenantId)).toEqual([b.id]);
        expect(invited[0]!.tenantId).not.toBe(a.id);
      },
    },
    {
      method: 'DELETE',
      path: '/admin/users/:id',
      url: ({ staffOfA }) => `/admin/users/${staffOfA.userId}`,
      async check({ world, staffOfA }, response) {
        expectError(response, 404, 'NOT_FOUND');
        expect(await world.store.db.staffUser.count({ where: { id: staffOfA.userId } })).toBe(1);
      },
    },
    {
      method: 'POST',
      path: '/admin/analytics/workspace-events',
      url: () => '/admin/analytics/workspace-events',
      payload: { event: 'integration_viewed', connectorId: 'imap' },
      async check({ world, b }, response) {
        expect(response.statusCode, response.body).toBe(202);
        const viewed = await world.store.db.analyticsEvent.findMany({
          where: { tenantId: b.id, name: 'integration_viewed' },
        });
        expect(viewed.map((row) => row.service)).toEqual(['imap_mail']);
      },
    },
    {
      method: 'GET',
      path: '/admin/events',
      url: () => '/admin/events',
      send: streamEvents,
      async check({ a, conversationOfA }, response) {
        expect(response.statusCode).toBe(200);
        expect(response.body).toContain('event: conversation.note');
        expect(response.body).not.toContain(a.id);
        expect(response.body).not.toContain(conversationOfA);
      },
    },
    ...whatsappQrRoutes(),
  ];
}

/** A's WhatsApp (QR) link is connected; B's is held by another process, so no socket is ever opened. */
const A_WHATSAPP = '+15550001111';

function whatsappQrRoutes(): TenantRoute[] {
  const untouched = async ({ world, a }: Scene) =>
    expect(await world.store.db.whatsappQrSession.findUnique({ where: { tenantId: a.id } })).toMatchObject({
      state: 'connected',
      phone: A_WHATSAPP,
      owner: 'another-process',
    });
  const refused = (path: string, payload?: Record<string, unknown>): TenantRoute => ({
    method: 'POST',
    path: `/admin/channels/whatsapp_qr/${path}`,
    url: () => `/admin/channels/whatsapp_qr/${path}`,
    ...(payload ? { payload } : {}),
    async check(scene, response) {
      // B's session is B's, held elsewhere: refused for B, and A's is not reached.
      expectError(response, 409, 'CONFLICT');
      await untouched(scene);
    },
  });
  return [
    {
      method: 'GET',
      path: '/admin/channels/whatsapp_qr',
      url: () => '/admin/channels/whatsapp_qr',
      async check(scene, response) {
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ state: 'connecting', phone: null, heldHere: false });
        expect(response.body).not.toContain(A_WHATSAPP);
        await untouched(scene);
      },
    },
    refused('connect'),
    refused('pairing-code', { phone: '+15550002222' }),
    refused('logout'),
    {
      method: 'GET',
      path: '/admin/channels/whatsapp_qr/pairing',
      url: () => '/admin/channels/whatsapp_qr/pairing',
      send: (scene, headers) => firstServerSentEvent(scene, '/admin/channels/whatsapp_qr/pairing', headers),
      async check(scene, response) {
        expect(response.statusCode).toBe(200);
        expect(response.body).toContain('"state":"connecting"');
        expect(response.body).not.toContain('"state":"connected"');
        expect(response.body).not.toContain(A_WHATSAPP);
        await untouched(scene);
      },
    },
  ];
}

/** The first event of a server-sent event stream on a listening gateway (or the error answer). */
async function firstServerSentEvent(
  scene: Scene,
  path: string,
  headers: Record<string, string>,
): Promise<LightMyRequestResponse> {
  const { app } = scene.world.gateway;
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers, signal: controller.signal });
  let body = '';
  if (response.status === 200) {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    while (!body.includes('data:') || !body.endsWith('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      body += decoder.decode(value, { stream: true });
    }
  } else {
    body = await response.text();
  }
  controller.abort();
  return { statusCode: response.status, body, json: () => JSON.parse(body) } as LightMyRequestResponse;
}

/**
 * Opens B's event stream on a listening gateway, publishes an event for A and then one for
 * B, and answers with what the stream carried up to B's event.
 */
async function streamEvents(scene: Scene, headers: Record<string, string>): Promise<LightMyRequestResponse> {
  const { app } = scene.world.gateway;
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}/admin/events`, {
    headers,
    signal: controller.signal,
  });
  let body = '';
  if (response.status === 200) {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    await reader.read();
    const { db } = scene.world.store;
    await app.events.publish(db, {
      type: 'conversation.note',
      tenantId: scene.a.id,
      conversationId: scene.conversationOfA,
    });
    await app.events.publish(db, {
      type: 'conversation.note',
      tenantId: scene.b.id,
      conversationId: scene.conversationOfB,
    });
    while (!body.includes(scene.conversationOfB)) {
      const { value, done } = await reader.read();
      if (done) break;
      body += decoder.decode(value, { stream: true });
    }
  } else {
    body = await response.text();
  }
  controller.abort();
  return {
    statusCode: response.status,
    body,
    json: () => JSON.parse(body),
  } as unknown as LightMyRequestResponse;
}

/**
 * Pending actions and token usage. A and B each have a pending action and a day of usage
 * (A 1234 tokens, B 7), so each answer shows whether A's leaked in or A's action moved.
 */
function agentSafetyRoutes(): TenantRoute[] {
  const decide = (verb: 'approve' | 'reject'): TenantRoute => ({
    method: 'POST',
    path: `/admin/actions/:id/${verb}`,
    url: ({ actionOfA }) => `/admin/actions/${actionOfA}/${verb}`,
    async check({ world, a }, response) {
      expectError(response, 404, 'NOT_FOUND');
      const jobs = await world.store.db.job.count({
        where: { tenantId: a.id, kind: 'agent.approved_action' },
      });
      expect(jobs).toBe(0);
    },
  });
  return [
    {
      method: 'GET',
      path: '/admin/actions',
      url: () => '/admin/actions?status=pending',
      async check({ actionOfA, actionOfB }, response) {
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json().items.map((item: { id: string }) => item.id)).toEqual([actionOfB]);
        expect(response.body).not.toContain(actionOfA);
        expect(response.body).not.toContain('a@example.org');
      },
    },
    decide('approve'),
    decide('reject'),
    {
      method: 'GET',
      path: '/admin/voice/calls',
      url: () => '/admin/voice/calls',
      async check({ conversationOfA }, response) {
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toEqual({
          calls: [],
          latency: { turns: 0, p50Ms: null, p95Ms: null, maxMs: null },
        });
        expect(response.body).not.toContain(conversationOfA);
      },
    },
    {
      method: 'GET',
      path: '/admin/usage',
      url: () => '/admin/usage?from=2026-01-01&to=2026-12-31',
      async check(_scene, response) {
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json().total).toEqual({
          turns: 1,
          promptTokens: 5,
          completionTokens: 2,
          totalTokens: 7,
        });
      },
    },
  ];
}

/**
 * The analytics routes. A has integration events of every kind and a write key; B has one
 * connect click and its conversation, so each answer shows whether A's data leaked in.
 */
function analyticsRoutes(): TenantRoute[] {
  const dashboard = (path: string, expected: (scene: Scene) => Promise<object>): TenantRoute => ({
    method: 'GET',
    path: `/admin/analytics/${path}`,
    url: () => `/admin/analytics/${path}`,
    async check(scene, response) {
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject(await expected(scene));
    },
  });
  const keysOf = (scene: Scene, tenant: ConnectedTenant) =>
    scene.world.store.db.analyticsWriteKey.findMany({
      where: { tenantId: tenant.id },
      orderBy: { id: 'asc' },
    });
  return [
    dashboard('integration-funnel', async () => ({
      steps: [0, 1, 0, 0, 0].map((count) => expect.objectContaining({ count })),
    })),
    dashboard('connection-rate', async () => ({
      items: [{ provider: 'microsoft', attempts: 1, connected: 0, conversionRate: 0 }],
    })),
    dashboard('oauth-failures', async () => ({ items: [] })),
    dashboard('tools-in-chat', async () => ({ items: [] })),
    dashboard('messages', async ({ world, b }) => {
      const received = await world.store.db.analyticsEvent.findFirstOrThrow({
        where: { tenantId: b.id, name: 'message_received' },
      });
      return { items: [{ day: received.day, channel: 'telegram', inbound: 1, outbound: 1, failed: 0 }] };
    }),
    {
      method: 'POST',
      path: '/admin/analytics/write-keys',
      url: () => '/admin/analytics/write-keys',
      payload: { label: 'b-key' },
      async check(scene, response) {
        expect(response.statusCode, response.body).toBe(201);
        const keys = await keysOf(scene, scene.b);
        expect(keys.map((key) => key.id)).toEqual([response.json().id]);
      },
    },
    {
      method: 'GET',
      path: '/admin/analytics/write-keys',
      url: () => '/admin/analytics/write-keys',
      async check(scene, response) {
        expect(response.statusCode).toBe(200);
        expect(response.json().items).toEqual([]);
        expect(response.body).not.toContain(scene.writeKeyOfA);
      },
    },
    {
      method: 'DELETE',
      path: '/admin/analytics/write-keys/:id',
      url: ({ writeKeyOfA }) => `/admin/analytics/write-keys/${writeKeyOfA}`,
      async check(scene, response) {
        expectError(response, 404, 'NOT_FOUND');
        const [key] = await keysOf(scene, scene.a);
        expect(key!.revokedAt).toBeNull();
      },
    },
  ];
}

/** Routes only the platform admin may call. */
const adminOnlyRoutes = ['POST /admin/tenants', 'GET /admin/tenants', 'DELETE /admin/tenants/:slug'];

const routeName = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** What B must never change: A's connector row, conversations, messages, audit trail and analytics. */
async function snapshotOf(world: GatewayWorld, tenant: ConnectedTenant) {
  const { db } = world.store;
  return {
    connector: await world.connectorRow(tenant),
    conversations: await db.conversation.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    messages: await db.message.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    audit: await db.auditLog.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    writeKeys: await db.analyticsWriteKey.findMany({
      where: { tenantId: tenant.id },
      orderBy: { id: 'asc' },
    }),
    events: await db.analyticsEvent.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    tokens: await db.apiToken.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    contacts: await db.contact.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    tenant: await db.tenant.findUniqueOrThrow({ where: { id: tenant.id } }),
    actions: await db.pendingAction.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    usage: await db.tokenUsage.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    grants: await db.oAuthGrant.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
    oauthStates: await db.oAuthState.findMany({ where: { tenantId: tenant.id }, orderBy: { id: 'asc' } }),
  };
}

// One gateway and database for the suite; every test gets a new pair of tenants in it.
const world = useGatewayWorld({ shared: true });
let scenes = 0;

describe('tenant isolation', () => {
  let scene: Scene;

  beforeEach(async () => {
    scenes += 1;
    const a = await world.connectedTenant(`tenant-a-${scenes}`, FAKE_BOT_TOKEN);
    const b = await world.connectedTenant(`tenant-b-${scenes}`, SECOND_BOT_TOKEN);
    await world.say(a, 5550001001, 'Hello from A');
    await world.say(b, 5550002001, 'Hello from B');
    // A's bot then fails its connection test, so A's and B's statuses differ.
    world.telegram.fail('getMe', [{ status: 401 }]);
    const failedTest = await world.gateway.request({
      method: 'POST',
      url: '/admin/connector-hub/telegram/test',
      token: a.apiToken,
    });
    expect(failedTest.json().ok).toBe(false);
    await world.settled();
    const writeKeyOfA = (await createWriteKey(world.gateway, a)).id;
    const agentOfA = await world.gateway.request({
      method: 'PUT',
      url: '/admin/agent',
      token: a.apiToken,
      payload: { systemPrompt: 'Prompt of A' },
    });
    expect(agentOfA.statusCode).toBe(200);
    const retentionOfA = await world.gateway.request({
      method: 'PUT',
      url: '/admin/retention',
      token: a.apiToken,
      payload: { retentionDays: 30 },
    });
    expect(retentionOfA.statusCode).toBe(200);
    // A's events cover every dashboard; B has a single connect click.
    const ofA = (
      [
        'integration_viewed',
        'integration_connect_clicked',
        'integration_oauth_started',
        'integration_oauth_completed',
        'integration_oauth_failed',
        'integration_used_in_chat',
      ] as const
    ).map((name) => exampleEvent(name, a.id));
    await world.gateway.app.analytics.record([
      ...ofA,
      {
        event: 'integration_connect_clicked',
        tenantId: b.id,
        properties: { ...exampleProperties.integration_connect_clicked, provider: 'microsoft' },
      },
    ]);
    const staffOfA = await staffMember(world.gateway, a, {
      email: `staff-of-a-${scenes}@example.org`,
      role: 'admin',
    });
    const staffOfB = await staffMember(world.gateway, b, {
      email: `staff-of-b-${scenes}@example.org`,
      role: 'admin',
    });
    const conversationOf = async (tenant: ConnectedTenant) =>
      (await world.store.db.conversation.findFirstOrThrow({ where: { tenantId: tenant.id } })).id;
    const conversationOfA = await conversationOf(a);
    const conversationOfB = await conversationOf(b);
    const actionOf = async (tenant: ConnectedTenant, conversationId: string, to: string) => {
      const { db } = world.store;
      await createPendingAction(db, {
        tenantId: tenant.id,
        conversationId,
        callKey: 'respond:test:0:0',
        tool: 'send_email',
        input: { to, subject: 'Hi', body: 'Hello' },
      });
      return (await db.pendingAction.findFirstOrThrow({ where: { tenantId: tenant.id } })).id;
    };
    const usageOf = (tenant: ConnectedTenant, promptTokens: number, completionTokens: number) =>
      recordTurnUsage(
        world.store.db,
        {
          tenantId: tenant.id,
          conversationId: undefined,
          turnKey: 'respond:test',
          at: new Date('2026-06-01T12:00:00Z'),
        },
        { model: 'fake-model', promptTokens, completionTokens },
      );
    await usageOf(a, 1000, 234);
    await usageOf(b, 5, 2);
    // A connected Google with its OAuth client; B has neither.
    await world.store.db.connectorConfig.create({
      data: {
        tenantId: a.id,
        connectorId: 'google',
        values: '{"client_id":"a-client"}',
        status: 'connected',
      },
    });
    await world.store.db.oAuthGrant.create({
      data: {
        tenantId: a.id,
        provider: 'google',
        services: '["gmail"]',
        accessToken: 'sealed',
        connectedAt: new Date(),
      },
    });
    // Held by another process: a linked session without a live lease would be taken up by this
    // gateway's heartbeat in the middle of a test.
    await world.store.db.whatsappQrSession.create({
      data: {
        tenantId: a.id,
        state: 'connected',
        phone: A_WHATSAPP,
        connectedSince: new Date(),
        owner: 'another-process',
        fencingToken: 1,
        leaseExpiresAt: BigInt(Date.now() + 3_600_000),
      },
    });
    await world.store.db.whatsappQrSession.create({
      data: {
        tenantId: b.id,
        state: 'connecting',
        owner: 'another-process',
        fencingToken: 1,
        leaseExpiresAt: BigInt(Date.now() + 3_600_000),
      },
    });
    scene = {
      world,
      a,
      b,
      conversationOfA,
      conversationOfB,
      staffOfA,
      staffOfB,
      writeKeyOfA,
      tokenOfA: await world.tokenId(a.apiToken),
      contactOfA: (await world.store.db.contact.findFirstOrThrow({ where: { tenantId: a.id } })).id,
      actionOfA: await actionOf(a, conversationOfA, 'a@example.org'),
      actionOfB: await actionOf(b, conversationOfB, 'b@example.org'),
    };
  });

  it('lists every registered tenant route (all /admin routes except the admin-only ones)', () => {
    const registered = registeredRoutes(world.gateway.app);
    expect(registered).toEqual(expect.arrayContaining(adminOnlyRoutes));
    const tenantScoped = registered.filter(
      (route) => route.includes(' /admin/') && !adminOnlyRoutes.includes(route),
    );
    expect(tenantScoped.sort()).toEqual(tenantRoutes.map(routeName).sort());
  });

  for (const route of tenantRoutes) {
    describe(routeName(route), () => {
      for (const identity of identities) {
        it(`shows and changes only B's data when called with ${identity.name}`, async () => {
          const before = await snapshotOf(world, scene.a);
          const response = route.send
            ? await route.send(scene, identity.headers(scene))
            : await world.gateway.app.inject({
                method: route.method,
                url: route.url(scene),
                headers: identity.headers(scene),
                ...(route.payload ? { payload: route.payload } : {}),
              });
          await route.check(scene, response);
          for (const secret of [scene.a.botToken, scene.a.webhookSecret])
            expect(response.body).not.toContain(secret);
          expect(await snapshotOf(world, scene.a)).toEqual(before);
        });
      }

      it('answers 401 UNAUTHORIZED to a missing, unknown or malformed bearer token', async () => {
        const authorizations = [
          undefined,
          'Bearer sbt_not-a-token-anyone-was-given',
          `Basic ${scene.b.apiToken}`,
          `bearer ${scene.b.apiToken}`,
          'Bearer ',
          scene.b.apiToken,
        ];
        for (const authorization of authorizations) {
          const response = await world.gateway.app.inject({
            method: route.method,
            url: route.url(scene),
            headers: { ...(authorization === undefined ? {} : { authorization }), 'x-tenant': scene.a.slug },
            ...(route.payload ? { payload: route.payload } : {}),
          });
          expectError(response, 401, 'UNAUTHORIZED');
        }
      });

      it('answers 404 UNKNOWN_TENANT to the admin naming a tenant that does not exist', async () => {
        const response = await world.gateway.request({
          method: route.method,
          url: route.url(scene),
          token: ADMIN_TOKEN,
          headers: { 'x-tenant': 'no-such-tenant' },
          ...(route.payload ? { payload: route.payload } : {}),
        });
        expectError(response, 404, 'UNKNOWN_TENANT');
      });
    });
  }

  it('keeps A unchanged when B deletes its own configuration, and then answers B 404, not A', async () => {
    const request = {
      method: 'DELETE',
      url: '/admin/connector-hub/telegram/config',
      token: scene.b.apiToken,
    } as const;
    expect((await world.gateway.request(request)).statusCode).toBe(204);
    expectError(await world.gateway.request(request), 404, 'NOT_FOUND');
    expect(await world.connectorRow(scene.a)).not.toBeNull();
    const update = textUpdate({ updateId: 90, messageId: 90, chatId: 5550001001, text: 'still here' });
    expect((await world.gateway.postUpdate(scene.a.slug, update, scene.a.webhookSecret)).statusCode).toBe(
      200,
    );
  });

  it.each(adminOnlyRoutes)(
    'answers 403 FORBIDDEN to a tenant token on the admin-only route %s',
    async (name) => {
      const [method, url] = name.split(' ') as [Method, string];
      for (const headers of [{}, { 'x-tenant': scene.a.slug }]) {
        const response = await world.gateway.request({
          method,
          url: url!,
          token: scene.b.apiToken,
          headers,
          ...(method === 'POST' ? { payload: { slug: 'sneaky', name: 'Sneaky' } } : {}),
        });
        expectError(response, 403, 'FORBIDDEN');
        const deleteOfA = await world.gateway.request({
          method: 'DELETE',
          url: `/admin/tenants/${scene.a.slug}`,
          token: scene.b.apiToken,
          headers,
        });
        expectError(deleteOfA, 403, 'FORBIDDEN');
      }
      expect(await world.store.db.tenant.count({ where: { slug: 'sneaky' } })).toBe(0);
      expect(await world.store.db.tenant.count({ where: { id: scene.a.id } })).toBe(1);
    },
  );

  it("refuses a webhook on B's URL signed with A's secret with 401 and stores nothing", async () => {
    const { db } = world.store;
    const counts = () => Promise.all([db.message.count(), db.contact.count(), db.job.count()]);
    const before = await counts();
    const update = textUpdate({ updateId: 91, messageId: 91, chatId: 5550002002, text: 'forged' });
    const response = await world.gateway.postUpdate(scene.b.slug, update, scene.a.webhookSecret);
    expectError(response, 401, 'SIGNATURE_INVALID');
    expect(await counts()).toEqual(before);
  });
});
