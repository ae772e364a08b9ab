/**
 * The gateway wires the egress guard into every tenant-configured destination: with
 * SWITCHBOARD_EGRESS_ALLOW empty (the production default), each connector test in the hub
 * and a tenant's own model make no connection to loopback, while the operator's model
 * (OPENAI_BASE_URL, not tenant-controlled) is still used.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_OPENAI_KEY, type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-chat.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { type CountingListener, httpListener } from '../support/counting-listeners.ts';
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
let gateway: TestGateway;
let tenant: TestTenant;
let listener: CountingListener;

beforeEach(async () => {
  store = await createTestStore();
  telegram = await startFakeTelegram();
  model = await startFakeOpenAi();
  listener = await httpListener();
  gateway = await startTestGateway({
    store,
    telegram,
    environment: {
      // Empty: nothing internal is allowed, as in a gateway whose operator set nothing.
      SWITCHBOARD_EGRESS_ALLOW: '',
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: FAKE_OPENAI_KEY,
      OPENAI_MODEL: 'fake-model',
    },
  });
  tenant = await gateway.createTenant('bakery', 'Bäckerei Schmidt');
});

afterEach(async () => {
  await gateway.close();
  await listener.close();
  await model.close();
  await telegram.close();
  await store.dispose();
});

async function configureAndTest(connector: string, values: Record<string, string>) {
  const saved = await gateway.request({
    method: 'PUT',
    url: `/admin/connector-hub/${connector}/config`,
    token: tenant.apiToken,
    payload: values,
  });
  expect(saved.statusCode, saved.body).toBe(200);
  const tested = await gateway.request({
    method: 'POST',
    url: `/admin/connector-hub/${connector}/test`,
    token: tenant.apiToken,
  });
  return tested.json<{ ok: boolean; detail: string }>();
}

async function send(text: string) {
  const secret = await gateway.configureTelegram(tenant);
  const response = await gateway.postUpdate(
    tenant.slug,
    textUpdate({ updateId: 1, messageId: 11, chatId: 5550000001, text }),
    secret,
  );
  expect(response.statusCode).toBe(200);
  await eventually(() => telegram.sent().length >= 1, 15_000, 'a reply on Telegram');
  await queueSettled(store.db);
}

describe('the egress guard in the gateway', () => {
  it('every connector test refuses a loopback destination without connecting', async () => {
    const port = listener.port;
    const results = {
      llm: await configureAndTest('llm', {
        api_key: 'sk-test',
        base_url: `http://127.0.0.1:${port}/v1`,
        model: 'm',
      }),
      imap: await configureAndTest('imap', {
        host: '127.0.0.1',
        port: String(port),
        tls: 'false',
        user: 'inbox@example.com',
        password: 'imap-password',
      }),
      caldav: await configureAndTest('caldav', {
        server_url: `http://127.0.0.1:${port}/`,
        user: 'ada',
        password: 'calendar-password',
      }),
      smtp: await configureAndTest('smtp', {
        host: '127.0.0.1',
        port: String(port),
        security: 'none',
        from: 'alerts@example.com',
      }),
      analytics_forwarding: await configureAndTest('analytics_forwarding', {
        base_url: `http://127.0.0.1:${port}`,
        write_key: 'wk_test',
      }),
    };
    expect(results).toEqual({
      llm: { ok: false, detail: 'the server could not be reached: refused by the egress policy' },
      imap: { ok: false, detail: 'IMAP: refused by the egress policy' },
      caldav: { ok: false, detail: 'CalDAV: refused by the egress policy' },
      smtp: { ok: false, detail: `SMTP 127.0.0.1:${port}: refused by the egress policy` },
      analytics_forwarding: { ok: false, detail: 'the collector is refused by the egress policy' },
    });
    expect(listener.connections).toBe(0);
  });

  it('uses the operator’s model, which the guard leaves alone', async () => {
    model.script({ text: 'Hello from the operator model' });
    await send('Hello');
    expect(telegram.sent()[0]!.text).toBe('Hello from the operator model');
    expect(model.requests).toHaveLength(1);
  });

  it('does not reach a tenant’s model on loopback and hands the conversation to staff', async () => {
    await configureAndTest('llm', {
      api_key: FAKE_OPENAI_KEY,
      base_url: model.baseUrl,
      model: 'tenant-model',
    });
    model.script({ text: 'must not be used' });
    await send('Hello');
    expect(model.requests).toHaveLength(0);
    expect((await store.db.conversation.findFirstOrThrow()).state).toBe('needs_human');
  });
});
