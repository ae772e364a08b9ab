/**
 * The agent end to end: a Telegram message through the real gateway, the real `openai`
 * package against the loopback Chat Completions fake, tools through the registry, the reply
 * back on Telegram. The mail tool here is the test's own (src/integrations' IMAP and CalDAV
 * tools have their own suites against Dovecot and Radicale); its connector is the tenant's
 * Telegram configuration, the one connector these tests configure.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Tool } from '../../src/integrations/types.ts';
import { NOTIFY_STAFF_JOB } from '../../src/notifications/staff-notifier.ts';
import { eventsOf, type InboxBehaviour, inboxTool } from '../agent/support.ts';
import { FAKE_OPENAI_KEY, type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-chat.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore } from '../support/database.ts';
import {
  eventually,
  queueSettled,
  startTestGateway,
  type TestGateway,
  type TestTenant,
  textUpdate,
} from '../support/gateway.ts';

type TestStore = Awaited<ReturnType<typeof createTestStore>>;

let store: TestStore;
let telegram: FakeTelegram;
let model: FakeOpenAi;
let gateway: TestGateway | undefined;
let tenant: TestTenant;
let secret: string;
let behaviours: InboxBehaviour[];

beforeEach(async () => {
  store = await createTestStore();
  telegram = await startFakeTelegram();
  model = await startFakeOpenAi();
  behaviours = [];
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await model.close();
  await telegram.close();
  await store.dispose();
});

async function start(options: { withModel: boolean; timeoutMs?: number }) {
  // Customer-scoped like the real read_emails: the conversation is with a customer.
  const tool: Tool = inboxTool(behaviours, 'telegram', 'customer') as unknown as Tool;
  gateway = await startTestGateway({
    store,
    telegram,
    tools: [tool],
    environment: options.withModel
      ? {
          OPENAI_BASE_URL: model.baseUrl,
          OPENAI_API_KEY: FAKE_OPENAI_KEY,
          OPENAI_MODEL: 'fake-model',
          OPENAI_TIMEOUT_MS: String(options.timeoutMs ?? 2_000),
        }
      : {},
  });
  tenant = await gateway.createTenant('bakery', 'Bäckerei Schmidt');
  secret = await gateway.configureTelegram(tenant);
}

async function send(text: string, updateId = 1) {
  const response = await gateway!.postUpdate(
    tenant.slug,
    textUpdate({ updateId, messageId: 10 + updateId, chatId: 5550000001, text }),
    secret,
  );
  expect(response.statusCode).toBe(200);
  await eventually(() => telegram.sent().length >= 1, 15_000, 'a reply on Telegram');
  await queueSettled(store.db);
}

async function transcript() {
  const conversation = await store.db.conversation.findFirstOrThrow();
  const response = await gateway!.request({
    method: 'GET',
    url: `/admin/conversations/${conversation.id}/messages`,
    token: tenant.apiToken,
  });
  expect(response.statusCode).toBe(200);
  return { conversation, items: response.json<{ items: Array<Record<string, unknown>> }>().items };
}

describe('agent pipeline', () => {
  it('message → model asks for read_emails → result back to the model → answer on Telegram, once', async () => {
    await start({ withModel: true });
    behaviours.push({ kind: 'messages', count: 2 });
    model.script(
      { toolCalls: [{ name: 'read_emails', arguments: '{"limit":5}' }] },
      { text: 'You have 2 new emails.' },
    );
    await send('Any new emails?');

    expect(telegram.sent().map((message) => message.text)).toEqual(['You have 2 new emails.']);
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]!.body.messages.at(-1)).toMatchObject({
      role: 'tool',
      content: '1. SECRET-SUBJECT-1\n2. SECRET-SUBJECT-2',
    });
    const { conversation, items } = await transcript();
    expect(items.map((item) => [item.direction, item.kind])).toEqual([
      ['inbound', 'text'],
      ['internal', 'tool_call'],
      ['outbound', 'text'],
    ]);
    expect(items[1]!.parts).toEqual([
      {
        type: 'tool_call',
        tool: 'read_emails',
        success: true,
        itemsProcessed: 2,
        durationMs: expect.any(Number),
      },
    ]);
    await gateway!.app.analytics.flush();
    const used = (await eventsOf(store.db, tenant.id)).filter(
      (event) => event.name === 'integration_used_in_chat',
    );
    expect(used).toEqual([
      {
        name: 'integration_used_in_chat',
        properties: {
          chat_id: conversation.id,
          agent_id: tenant.id,
          provider: 'none',
          service: 'imap_mail',
          action_type: 'read_emails',
          success: true,
          items_processed: 2,
        },
      },
    ]);
    expect(JSON.stringify(await store.db.analyticsEvent.findMany())).not.toContain('SECRET');

    // The next turn sees the conversation, not the staff-only tool-call rows.
    model.script({ text: 'You are welcome!' });
    await send('Thanks', 2);
    await eventually(() => telegram.sent().length === 2, 10_000, 'the second reply');
    expect(model.requests[2]!.body.messages.slice(1)).toEqual([
      { role: 'user', content: '<customer_message>\nAny new emails?\n</customer_message>' },
      { role: 'assistant', content: 'You have 2 new emails.' },
      { role: 'user', content: '<customer_message>\nThanks\n</customer_message>' },
    ]);
  });

  it('a failing tool: success false, integration_error, and the model’s polite answer', async () => {
    await start({ withModel: true });
    behaviours.push({ kind: 'fail', errorType: 'auth_expired', httpStatus: 401 });
    model.script(
      { toolCalls: [{ name: 'read_emails', arguments: '{"limit":5}' }] },
      { text: 'Sorry, I cannot reach the mailbox right now.' },
    );
    await send('Any new emails?');
    expect(telegram.sent().map((message) => message.text)).toEqual([
      'Sorry, I cannot reach the mailbox right now.',
    ]);
    const events = await eventsOf(store.db, tenant.id);
    expect(events.find((event) => event.name === 'integration_used_in_chat')?.properties.success).toBe(false);
    expect(events.find((event) => event.name === 'integration_error')?.properties).toMatchObject({
      error_type: 'auth_expired',
      http_status: 401,
    });
  });

  it('a model that keeps failing: one honest reply, the conversation goes to staff', async () => {
    await start({ withModel: true, timeoutMs: 300 });
    model.script(
      { status: 429, retryAfterSeconds: 0 },
      { delayMs: 3_000, response: { text: 'late' } },
      { status: 500 },
    );
    await send('Habt ihr morgen offen?');
    expect(telegram.sent().map((message) => message.text)).toEqual([
      'Entschuldige, ich kann gerade nicht richtig antworten. Ich habe deine Nachricht an das Team weitergegeben; ein Mensch meldet sich bei dir.',
    ]);
    expect(model.requests).toHaveLength(3);
    const { conversation } = await transcript();
    expect(conversation.state).toBe('needs_human');
    expect(await store.db.job.count({ where: { kind: NOTIFY_STAFF_JOB } })).toBe(1);

    // The conversation is with staff now: the next message gets no agent reply.
    await gateway!.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 2, messageId: 12, chatId: 5550000001, text: 'Hallo?' }),
      secret,
    );
    await queueSettled(store.db);
    expect(telegram.sent()).toHaveLength(1);
    expect(model.requests).toHaveLength(3);
  });

  it('without a model the offline agent answers with the same tools and hands over on request', async () => {
    await start({ withModel: false });
    behaviours.push({ kind: 'messages', count: 1 });
    await send('Show me my latest emails');
    // A customer never gets the business inbox: only their own mail, here none (the scoped
    // reading against a real Dovecot is in agent-real-servers.test.ts).
    expect(behaviours).toHaveLength(0);
    expect(telegram.sent()[0]!.text).toMatch(/^I found no emails from or to your address/);
    expect(telegram.sent()[0]!.text).not.toContain('SECRET');
    await send('Ich möchte mit einem Mitarbeiter sprechen', 2);
    await eventually(() => telegram.sent().length === 2, 10_000, 'the second reply');
    expect(telegram.sent()[1]!.text).toMatch(/^Ich habe das Gespräch an unser Team übergeben/);
    expect((await store.db.conversation.findFirstOrThrow()).state).toBe('needs_human');
    expect(model.requests).toHaveLength(0);
  });

  it('a tenant’s own llm connector selects the model, and its connection test uses the key', async () => {
    await start({ withModel: false });
    const saved = await gateway!.request({
      method: 'PUT',
      url: '/admin/connector-hub/llm/config',
      token: tenant.apiToken,
      payload: { api_key: FAKE_OPENAI_KEY, base_url: model.baseUrl, model: 'tenant-model' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const tested = await gateway!.request({
      method: 'POST',
      url: '/admin/connector-hub/llm/test',
      token: tenant.apiToken,
    });
    expect(tested.json()).toMatchObject({ ok: true });
    model.script({ text: 'Hi from the tenant model' });
    await send('Hello');
    expect(telegram.sent()[0]!.text).toBe('Hi from the tenant model');
    expect(model.requests[0]!.body.model).toBe('tenant-model');
  });
});
