/**
 * GET /metrics after real traffic: Telegram webhooks (accepted, forged, wrong content type)
 * through the real gateway, the real `openai` package against the loopback model fake with a
 * tool call that succeeds and one that fails (and the tokens it reports), replies to the fake Telegram (one refused for
 * good, so it is dead-lettered), then the counters are compared with what was sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { Tool } from '../../src/integrations/types.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { type InboxBehaviour, inboxTool } from '../agent/support.ts';
import { FAKE_OPENAI_KEY, type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-chat.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, postgresServerUrl, type TestStore } from '../support/database.ts';
import {
  eventually,
  queueSettled,
  startTestGateway,
  type TestGateway,
  type TestTenant,
  textUpdate,
} from '../support/gateway.ts';
import { freeLoopbackPort } from '../support/ports.ts';

const METRICS_TOKEN = 'metrics-token-0123456789';
const CHAT = 5550000001;

let store: TestStore;
let telegram: FakeTelegram;
let model: FakeOpenAi;
let gateway: TestGateway | undefined;

beforeEach(async () => {
  store = await createTestStore();
  telegram = await startFakeTelegram();
  model = await startFakeOpenAi();
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await model.close();
  await telegram.close();
  await store.dispose();
});

/** The samples of a text exposition: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const separator = line.lastIndexOf(' ');
    values.set(line.slice(0, separator), Number(line.slice(separator + 1)));
  }
  return values;
}

describe('GET /metrics', () => {
  it('counts webhooks, deliveries, dead letters, agent turns, tool calls and queued jobs as they happened', async () => {
    const behaviours: InboxBehaviour[] = [];
    gateway = await startTestGateway({
      store,
      telegram,
      tools: [inboxTool(behaviours, 'telegram', 'customer') as unknown as Tool],
      environment: {
        METRICS_TOKEN,
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: FAKE_OPENAI_KEY,
        OPENAI_MODEL: 'fake-model',
      },
    });
    const tenant: TestTenant = await gateway.createTenant('bakery');
    const secret = await gateway.configureTelegram(tenant);
    let updateId = 0;
    const post = async (text: string) => {
      updateId += 1;
      const response = await gateway!.postUpdate(
        tenant.slug,
        textUpdate({ updateId, messageId: 100 + updateId, chatId: CHAT, text }),
        secret,
      );
      expect(response.statusCode).toBe(200);
    };

    // 1: a tool call that works, a reply that arrives.
    behaviours.push({ kind: 'messages', count: 2 });
    model.script({ toolCalls: [{ name: 'read_emails', arguments: '{"limit":5}' }] }, { text: 'Two emails.' });
    await post('Any new emails?');
    await eventually(() => telegram.sent().length === 1, 15_000, 'the first reply');
    await queueSettled(store.db);
    // 2: a tool call that fails, a reply that arrives.
    behaviours.push({ kind: 'fail', errorType: 'rate_limited', httpStatus: 429 });
    model.script({ toolCalls: [{ name: 'read_emails', arguments: '{"limit":5}' }] }, { text: 'Try later.' });
    await post('And now?');
    await eventually(() => telegram.sent().length === 2, 15_000, 'the second reply');
    await queueSettled(store.db);
    // 3: Telegram refuses the reply for good (the bot was blocked): dead-lettered.
    telegram.fail('sendMessage', [{ status: 403, description: 'Forbidden: bot was blocked by the user' }]);
    model.script({ text: 'Hello again.' });
    await post('Hello');
    await eventually(
      async () => (await store.db.outboxMessage.count({ where: { status: 'dead' } })) === 1,
      15_000,
      'the dead letter',
    );
    await queueSettled(store.db);

    // Refused at the door: a forged secret and a body that is not JSON.
    const forged = await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 900, messageId: 900, chatId: CHAT, text: 'forged' }),
      'not-the-secret',
    );
    expect(forged.statusCode).toBe(401);
    const wrongType = await gateway.request({
      method: 'POST',
      url: `/webhook/telegram/${tenant.slug}`,
      headers: { 'content-type': 'text/plain', 'x-telegram-bot-api-secret-token': secret },
      payload: 'hello',
    });
    expect(wrongType.statusCode).toBe(415);

    // A message the stopped worker leaves queued: the queue gauges read it at scrape time.
    await gateway.app.worker?.stop();
    await post('Still there?');

    const unauthorized = await gateway.request({ method: 'GET', url: '/metrics' });
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    const wrongToken = await gateway.request({
      method: 'GET',
      url: '/metrics',
      token: 'metrics-token-wrong-guess',
    });
    expect(wrongToken.statusCode).toBe(401);

    const response = await gateway.request({ method: 'GET', url: '/metrics', token: METRICS_TOKEN });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
    const metrics = samples(response.body);
    const value = (sample: string) => metrics.get(sample);

    expect(value('switchboard_webhook_requests_total{channel="telegram",outcome="accepted"}')).toBe(4);
    expect(value('switchboard_webhook_requests_total{channel="telegram",outcome="rejected"}')).toBe(1);
    expect(value('switchboard_webhook_requests_total{channel="telegram",outcome="invalid"}')).toBe(1);
    expect(value('switchboard_webhook_ingest_seconds_count{channel="telegram"}')).toBe(6);
    expect(value('switchboard_webhook_ingest_seconds_sum{channel="telegram"}')).toBeGreaterThan(0);

    expect(value('switchboard_deliveries_total{channel="telegram",outcome="sent"}')).toBe(2);
    expect(value('switchboard_deliveries_total{channel="telegram",outcome="dead"}')).toBe(1);
    expect(value('switchboard_dead_letters_total{channel="telegram",error="PROVIDER_REJECTED"}')).toBe(1);

    expect(value('switchboard_agent_turn_seconds_count{outcome="replied"}')).toBe(3);
    expect(value('switchboard_tool_calls_total{tool="read_emails",outcome="success"}')).toBe(1);
    expect(value('switchboard_tool_calls_total{tool="read_emails",outcome="rate_limited"}')).toBe(1);

    // Five completions (two per tool turn, one for the last), 100 prompt and 20 completion tokens each.
    expect(value('switchboard_model_tokens_total{model="fake-model",kind="prompt"}')).toBe(500);
    expect(value('switchboard_model_tokens_total{model="fake-model",kind="completion"}')).toBe(100);

    expect(value('switchboard_jobs{kind="respond",status="queued"}')).toBe(1);
    expect(value('switchboard_job_oldest_due_age_seconds{kind="respond"}')).toBeGreaterThanOrEqual(0);

    if (postgresServerUrl()) {
      expect(value('switchboard_database_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
      expect(value('switchboard_database_pool_connections{state="waiting"}')).toBe(0);
    } else {
      expect(value('switchboard_database_file_bytes{file="database"}')).toBeGreaterThan(0);
    }
    // The default process metrics, from this app's own registry.
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metrics.has('nodejs_heap_size_used_bytes')).toBe(true);
    // Nothing about who wrote or what.
    for (const secretText of ['bakery', 'Any new emails', String(CHAT), tenant.id]) {
      expect(response.body).not.toContain(secretText);
    }
  }, 120_000); // three exchanges one after another: slow on a loaded two-core machine

  it('is off, and says how to turn it on, when neither METRICS_TOKEN nor METRICS_PORT is set', async () => {
    gateway = await startTestGateway({ store, telegram });
    const response = await gateway.request({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: 'NOT_FOUND',
      message: 'metrics are off: set METRICS_TOKEN or METRICS_PORT to turn them on',
    });
  });

  it('counts nothing, and passes everything on, while nobody can scrape it', async () => {
    const off = await createMetrics({ store, clock: systemClock, served: false });
    const usages: unknown[] = [];
    const usage = { tenantId: 'tenant', model: 'fake-model', promptTokens: 100, completionTokens: 20 };
    off.countTokens((seen) => usages.push(seen))(usage);
    expect(usages).toEqual([usage]);
    expect(await off.scrape()).toBe('');
    const on = await createMetrics({ store, clock: systemClock, served: true });
    on.countTokens()(usage);
    expect(await on.scrape()).toContain(
      'switchboard_model_tokens_total{model="fake-model",kind="prompt"} 100',
    );
  });

  it('serves on METRICS_PORT, and not on the app, when that is set', async () => {
    const port = await freeLoopbackPort();
    gateway = await startTestGateway({
      store,
      telegram,
      environment: { HOST: '127.0.0.1', METRICS_PORT: String(port) },
    });
    await gateway.app.ready();
    const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# TYPE switchboard_webhook_requests_total counter');
    expect((await gateway.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    await gateway.close();
    // Closed with the app.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
