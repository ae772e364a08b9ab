/**
 * Approval, budgets and usage end to end: Telegram messages through the real gateway, the
 * real `openai` package against the scripted loopback model, a side-effect tool of the
 * test's own (customer-scoped, its connector the tenant's Telegram configuration), and the
 * admin API as staff use it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Tool } from '../../src/integrations/types.ts';
import { NOTIFY_STAFF_JOB } from '../../src/notifications/staff-notifier.ts';
import { eventsOf } from '../agent/support.ts';
import { FAKE_OPENAI_KEY, type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-chat.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import {
  eventually,
  queueSettled,
  startTestGateway,
  type TestGateway,
  type TestTenant,
  textUpdate,
} from '../support/gateway.ts';

let store: TestStore;
let telegram: FakeTelegram;
let model: FakeOpenAi;
let gateway: TestGateway | undefined;
let tenant: TestTenant;
let secret: string;
let bookings: string[];

/** `book_visit`: a customer-scoped booking with a side effect, counted in `bookings`. */
const bookVisit: Tool<{ day: string }> = {
  name: 'book_visit',
  description: 'Books a visit on a day.',
  connectorId: 'telegram',
  provider: 'none',
  service: 'caldav',
  actionType: 'create_event',
  audience: 'customer',
  reads: ['own_appointments'],
  sideEffect: true,
  inputSchema: z.strictObject({ day: z.string() }),
  async run(input) {
    bookings.push(input.day);
    return { content: `booked ${input.day}`, itemsProcessed: 1 };
  },
};

beforeEach(async () => {
  store = await createTestStore();
  telegram = await startFakeTelegram();
  model = await startFakeOpenAi();
  bookings = [];
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await model.close();
  await telegram.close();
  await store.dispose();
});

async function start(environment: Record<string, string> = {}) {
  gateway = await startTestGateway({
    store,
    telegram,
    tools: [bookVisit as unknown as Tool],
    environment: {
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: FAKE_OPENAI_KEY,
      OPENAI_MODEL: 'fake-model',
      ...environment,
    },
  });
  tenant = await gateway.createTenant('bakery', 'Bäckerei Schmidt');
  secret = await gateway.configureTelegram(tenant);
}

const admin = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object, token = tenant.apiToken) =>
  gateway!.request({ method, url, token, ...(payload ? { payload } : {}) });

async function configure(settings: object) {
  const response = await admin('PUT', '/admin/agent', settings);
  expect(response.statusCode, response.body).toBe(200);
}

/** Posts a customer message and waits until everything it caused is done. */
async function say(text: string, updateId: number, chatId = 5550000001) {
  const response = await gateway!.postUpdate(
    tenant.slug,
    textUpdate({ updateId, messageId: 100 + updateId, chatId, text }),
    secret,
  );
  expect(response.statusCode).toBe(200);
  await queueSettled(store.db);
}

const withBooking = { enabledTools: ['request_human', 'book_visit'] };

describe('approval', () => {
  it('holds the call, tells the customer, and runs it once on approval', async () => {
    await start();
    await configure({ ...withBooking, approvalRequired: ['book_visit'] });
    model.script(
      { toolCalls: [{ name: 'book_visit', arguments: '{"day":"friday"}' }] },
      { text: 'A member of our team will confirm your visit on Friday.' },
    );
    await say('Book me a visit on Friday', 1);
    expect(telegram.sent().map((message) => message.text)).toEqual([
      'A member of our team will confirm your visit on Friday.',
    ]);
    expect(model.requests[1]!.body.messages.at(-1)?.content).toMatch(
      /^pending: a member of staff must approve/,
    );
    expect(bookings).toEqual([]);

    const pending = await admin('GET', '/admin/actions?status=pending');
    expect(pending.statusCode).toBe(200);
    const [action] = pending.json().items;
    expect(pending.json().items).toHaveLength(1);
    expect(action).toMatchObject({ tool: 'book_visit', input: { day: 'friday' }, status: 'pending' });

    // Another tenant sees nothing and cannot approve it.
    const other = await gateway!.createTenant('florist');
    expect((await admin('GET', '/admin/actions', undefined, other.apiToken)).json().items).toEqual([]);
    const stolen = await admin('POST', `/admin/actions/${action.id}/approve`, undefined, other.apiToken);
    expect(stolen.statusCode).toBe(404);
    await queueSettled(store.db);
    expect(bookings).toEqual([]);

    const approved = await admin('POST', `/admin/actions/${action.id}/approve`);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({
      id: action.id,
      status: 'approved',
      decidedBy: expect.stringMatching(/^token:/),
    });
    await queueSettled(store.db);
    expect(bookings).toEqual(['friday']);
    // A second approval is refused; the action ran once.
    const twice = await admin('POST', `/admin/actions/${action.id}/approve`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ error: 'CONFLICT', message: 'the action is already done' });
    await queueSettled(store.db);
    expect(bookings).toEqual(['friday']);
    const done = (await admin('GET', '/admin/actions?status=done')).json().items;
    expect(done).toEqual([
      expect.objectContaining({
        id: action.id,
        outcome: expect.objectContaining({ tool: 'book_visit', success: true }),
      }),
    ]);
    await gateway!.app.analytics.flush();
    const used = (await eventsOf(store.db, tenant.id)).filter(
      (event) => event.name === 'integration_used_in_chat',
    );
    expect(used).toEqual([
      expect.objectContaining({ properties: expect.objectContaining({ success: true }) }),
    ]);
    const audit = await store.db.auditLog.findMany({
      where: { tenantId: tenant.id, action: 'action.approved' },
    });
    expect(audit).toEqual([expect.objectContaining({ target: action.id, details: '{"tool":"book_visit"}' })]);
  });

  it('runs nothing on reject, and names a bad request', async () => {
    await start();
    await configure({ ...withBooking, approvalRequired: ['book_visit'] });
    model.script(
      { toolCalls: [{ name: 'book_visit', arguments: '{"day":"monday"}' }] },
      { text: 'Someone will confirm.' },
    );
    await say('Book Monday', 1);
    const [action] = (await admin('GET', '/admin/actions?status=pending')).json().items;
    const rejected = await admin('POST', `/admin/actions/${action.id}/reject`);
    expect(rejected.json()).toMatchObject({ status: 'rejected' });
    expect((await admin('POST', `/admin/actions/${action.id}/approve`)).statusCode).toBe(409);
    await queueSettled(store.db);
    expect(bookings).toEqual([]);
    expect(await store.db.job.count({ where: { kind: 'agent.approved_action' } })).toBe(0);
    expect(await store.db.auditLog.count({ where: { tenantId: tenant.id, action: 'action.rejected' } })).toBe(
      1,
    );
    const invalid = await admin('GET', '/admin/actions?status=maybe');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      error: 'VALIDATION_FAILED',
      message: expect.stringContaining('status'),
    });
    expect((await admin('POST', '/admin/actions/no-such-action/approve')).statusCode).toBe(404);
  });
});

describe('token usage and the daily budget', () => {
  it('reports the scripted token counts exactly, per day and in total', async () => {
    await start();
    await configure(withBooking);
    model.script(
      {
        toolCalls: [{ name: 'book_visit', arguments: '{"day":"tuesday"}' }],
        usage: { promptTokens: 1_234, completionTokens: 56 },
      },
      { text: 'Booked for Tuesday.', usage: { promptTokens: 1_400, completionTokens: 78 } },
    );
    await say('Tuesday please', 1);
    model.script({ text: 'You are welcome.', usage: { promptTokens: 901, completionTokens: 9 } });
    await say('Thanks', 2);
    const today = new Date().toISOString().slice(0, 10);
    const usage = await admin('GET', `/admin/usage?from=${today}&to=${today}`);
    expect(usage.statusCode, usage.body).toBe(200);
    const expected = { turns: 2, promptTokens: 3_535, completionTokens: 143, totalTokens: 3_678 };
    expect(usage.json()).toEqual({
      from: today,
      to: today,
      days: [{ day: today, ...expected }],
      total: expected,
    });
    // Per turn: one row each, the first with both of its completions.
    const turns = await store.db.tokenUsage.findMany({ orderBy: { createdAt: 'asc' } });
    expect(turns.map((row) => [row.promptTokens, row.completionTokens, row.model])).toEqual([
      [2_634, 134, 'fake-model'],
      [901, 9, 'fake-model'],
    ]);
    expect(turns[0]!.turnKey).toMatch(/^respond:/);

    const backwards = await admin('GET', '/admin/usage?from=2026-12-02&to=2026-12-01');
    expect(backwards.json()).toMatchObject({
      error: 'VALIDATION_FAILED',
      message: expect.stringContaining('from'),
    });
    expect((await admin('GET', '/admin/usage?from=yesterday')).statusCode).toBe(400);
  });

  it('answers with the offline agent once the day’s tokens are spent, and tells staff once', async () => {
    await start();
    await configure({ ...withBooking, dailyTokenLimit: 500 });
    model.script({ text: 'Hello!', usage: { promptTokens: 450, completionTokens: 60 } });
    await say('Hello', 1);
    await say('Ich möchte mit einem Mitarbeiter sprechen', 2);
    await say('Are you there?', 3);
    expect(model.requests).toHaveLength(1);
    const texts = telegram.sent().map((message) => message.text);
    expect(texts[0]).toBe('Hello!');
    // The offline agent answered the later messages (it hands over on request).
    expect(texts[1]).toMatch(/^Ich habe das Gespräch an unser Team übergeben/);
    const notices = await store.db.job.findMany({ where: { kind: NOTIFY_STAFF_JOB } });
    const reasons = notices.map((job) => JSON.parse(job.payload).reason);
    expect(reasons.filter((reason) => reason === 'token_budget_exhausted')).toHaveLength(1);
  });

  it('lowers the budget below the gateway-wide AGENT_DAILY_TOKENS only, on the shared model', async () => {
    await start({ AGENT_DAILY_TOKENS: '100' });
    await configure({ dailyTokenLimit: 1_000_000 });
    model.script({ text: 'First.', usage: { promptTokens: 90, completionTokens: 20 } });
    await say('One', 1);
    await say('Two', 2);
    expect(model.requests).toHaveLength(1);
    expect(telegram.sent()).toHaveLength(2);
  });
});

describe('flood control per contact', () => {
  it('stores a burst in full and answers it once', async () => {
    // The burst arrives while no worker runs (a busy gateway), then one starts.
    await start({ WORKER_CONCURRENCY: '0' });
    for (let index = 1; index <= 5; index += 1) {
      const response = await gateway!.postUpdate(
        tenant.slug,
        textUpdate({ updateId: index, messageId: 100 + index, chatId: 5550000001, text: `part ${index}` }),
        secret,
      );
      expect(response.statusCode).toBe(200);
    }
    const { keyRing } = gateway!;
    await gateway!.close();
    // Scripted before the worker starts: it may take the queued jobs at once.
    model.script({ text: 'Got all five.' });
    gateway = await startTestGateway({
      store,
      telegram,
      keyRing,
      environment: {
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: FAKE_OPENAI_KEY,
        OPENAI_MODEL: 'fake-model',
      },
    });
    await eventually(() => telegram.sent().length === 1, 15_000, 'the reply');
    await queueSettled(store.db);
    expect(telegram.sent().map((message) => message.text)).toEqual(['Got all five.']);
    expect(await store.db.message.count({ where: { direction: 'inbound' } })).toBe(5);
    // One job answers the burst. A job that failed after asking the model (on a loaded machine,
    // a transaction past its timeout) asks again when it is retried; such re-runs are counted
    // by the job's attempts, and no other job may ask.
    const respondJobs = await store.db.job.findMany({
      where: { kind: 'respond' },
      select: { attempts: true, lastError: true },
    });
    const reruns = respondJobs.reduce((sum, job) => sum + Math.max(0, job.attempts - 1), 0);
    expect(model.requests, JSON.stringify(respondJobs)).toHaveLength(1 + reruns);
    const users = model.requests[0]!.body.messages.filter((message) => message.role === 'user');
    // Customer text reaches the model delimited as data; each part of the burst is there, in order.
    expect(users).toHaveLength(5);
    users.forEach((message, index) => {
      expect(message.content).toContain(`part ${index + 1}`);
    });
  });

  it('hands the conversation to staff past the replies per contact and hour', async () => {
    await start();
    await configure({ maxRepliesPerContactHour: 2 });
    model.script({ text: 'One.' }, { text: 'Two.' }, { text: 'Three.' });
    for (const [index, text] of ['a', 'b', 'c', 'd'].entries()) await say(text, index + 1);
    expect(telegram.sent().map((message) => message.text)).toEqual(['One.', 'Two.']);
    expect(model.requests).toHaveLength(2);
    expect((await store.db.conversation.findFirstOrThrow()).state).toBe('needs_human');
    const notices = await store.db.job.findMany({ where: { kind: NOTIFY_STAFF_JOB } });
    expect(notices.map((job) => JSON.parse(job.payload).reason)).toEqual(['contact_reply_limit']);
  });
});
