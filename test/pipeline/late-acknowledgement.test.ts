/**
 * A kill while a provider has accepted a reply but not yet answered: the gateway process
 * is killed with SIGKILL between the provider taking the message and our record of it, and
 * a new process finishes the job. SMS (Twilio) and email (Postmark) settle the unanswered
 * send against the provider's own records and deliver one copy; Telegram offers no lookup,
 * so its reply arrives twice, as the README states.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, fixtureBytes } from '../channels/email/fixtures.ts';
import { FAKE_SERVER_TOKEN, type FakePostmark, startFakePostmark } from '../fakes/postmark-api.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  type FakeTwilio,
  signTwilioRequest,
  startFakeTwilio,
} from '../fakes/twilio-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { ADMIN_TOKEN, eventually, PUBLIC_URL, queueSettled, textUpdate } from '../support/gateway.ts';
import { crashTestEnvironment, type GatewayProcess, spawnGateway } from '../support/process.ts';

/** How late the provider answers: far longer than the test waits before killing the process. */
const LATE_MS = 120_000;

describe('a kill while the provider answers late', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let twilio: FakeTwilio;
  let postmark: FakePostmark;
  let dataDir: string;
  let environment: Record<string, string>;
  const processes: GatewayProcess[] = [];

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    twilio = await startFakeTwilio();
    postmark = await startFakePostmark();
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-late-'));
    environment = {
      ...crashTestEnvironment({ databaseUrl: store.url, dataDir, telegramApiRoot: telegram.apiRoot }),
      TWILIO_API_BASE_URL: twilio.baseUrl,
      POSTMARK_API_URL: postmark.url,
    };
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((gateway) => gateway.stop('SIGKILL')));
    await Promise.all([telegram.close(), twilio.close(), postmark.close()]);
    await store.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<GatewayProcess> {
    const gateway = await spawnGateway(environment);
    processes.push(gateway);
    return gateway;
  }

  async function call(
    gateway: GatewayProcess,
    path: string,
    options: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) {
    const response = await fetch(`${gateway.url}${path}`, {
      method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  }

  /** Creates the tenant and saves one channel's configuration; returns the save's answer. */
  async function provision(gateway: GatewayProcess, channel: string, values: Record<string, string>) {
    const created = await call(gateway, '/admin/tenants', {
      body: JSON.stringify({ slug: 'florist', name: 'Florist' }),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(created.status).toBe(201);
    const saved = await call(gateway, `/admin/connector-hub/${channel}/config`, {
      method: 'PUT',
      body: JSON.stringify(values),
      headers: { authorization: `Bearer ${String(created.body.apiToken)}` },
    });
    expect(saved.status).toBe(200);
    return saved.body;
  }

  /** Kills the first process once the provider holds the message, and lets a second finish. */
  async function killAfterAcceptance(accepted: () => boolean, answerPromptly: () => void): Promise<void> {
    const first = processes[0]!;
    await eventually(accepted, 20_000, 'the provider to accept the reply');
    const outbox = await store.db.outboxMessage.findFirstOrThrow();
    expect(outbox.status).toBe('sending');
    await first.stop('SIGKILL');
    // Only the killed process's call answers late; a second send would be answered at once.
    answerPromptly();
    await start();
    await eventually(
      async () => (await store.db.outboxMessage.findFirstOrThrow()).status === 'sent',
      20_000,
      'the reply to be recorded as sent',
    );
    await queueSettled(store.db);
  }

  it('SMS: settles the send against Twilio’s message list and sends one copy', async () => {
    const first = await start();
    await provision(first, 'sms', {
      account_sid: FAKE_ACCOUNT_SID,
      auth_token: FAKE_AUTH_TOKEN,
      sms_number: FAKE_SMS_NUMBER,
    });
    twilio.delay('messages', LATE_MS);
    const path = '/webhook/sms/florist';
    const body = readFileSync(new URL('../channels/sms/fixtures/inbound_text.txt', import.meta.url), 'utf8');
    const posted = await call(first, path, {
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilioRequest(FAKE_AUTH_TOKEN, `${PUBLIC_URL}${path}`, body),
      },
    });
    expect(posted.status).toBe(200);
    await killAfterAcceptance(
      () => twilio.sent().length === 1,
      () => twilio.delay('messages', 0),
    );

    expect(twilio.sent()).toHaveLength(1);
    expect(twilio.calls.some((entry) => entry.resource === 'message-list')).toBe(true);
    const outbound = await store.db.message.findFirstOrThrow({ where: { direction: 'outbound' } });
    expect(outbound).toMatchObject({ status: 'sent', providerMessageId: twilio.sent()[0]!.sid });
  }, 180_000);

  it('email: settles the send against Postmark’s outbound search and sends one copy', async () => {
    const first = await start();
    const saved = await provision(first, 'email', {
      server_token: FAKE_SERVER_TOKEN,
      from_email: 'Support <support@example.com>',
    });
    const inboundUrl = new URL(String((saved.reveal as Record<string, string>).inbound_webhook_url));
    postmark.delay('email', LATE_MS);
    const posted = await call(first, '/webhook/email/florist', {
      body: fixtureBytes('inbound_plain').toString('utf8'),
      headers: {
        authorization: basicAuth(
          decodeURIComponent(inboundUrl.username),
          decodeURIComponent(inboundUrl.password),
        ),
      },
    });
    expect(posted.status).toBe(200);
    await killAfterAcceptance(
      () => postmark.sent().length === 1,
      () => postmark.delay('email', 0),
    );

    const [email] = postmark.sent();
    expect(postmark.sent()).toHaveLength(1);
    const outbox = await store.db.outboxMessage.findFirstOrThrow();
    expect(email!.metadata).toEqual({ switchboard_delivery: outbox.id });
    expect(postmark.calls.some((entry) => entry.path === '/messages/outbound')).toBe(true);
    const outbound = await store.db.message.findFirstOrThrow({ where: { direction: 'outbound' } });
    expect(outbound).toMatchObject({ status: 'sent', providerMessageId: `<${email!.MessageID}@mtasv.net>` });
  }, 180_000);

  it('Telegram: has no lookup, so the accepted reply is sent again and arrives twice', async () => {
    const first = await start();
    await provision(first, 'telegram', { bot_token: FAKE_BOT_TOKEN });
    const secret = String(
      telegram.calls.findLast((entry) => entry.method === 'setWebhook')!.body.secret_token,
    );
    telegram.delay('sendMessage', LATE_MS);
    const posted = await call(first, '/webhook/telegram/florist', {
      body: JSON.stringify(textUpdate({ updateId: 1, messageId: 11, chatId: 5550000001, text: 'hello' })),
      headers: { 'x-telegram-bot-api-secret-token': secret },
    });
    expect(posted.status).toBe(200);
    await killAfterAcceptance(
      () => telegram.sent().length === 1,
      () => telegram.delay('sendMessage', 0),
    );

    // The at-least-once window the README states for Telegram: one duplicate, no more.
    const texts = telegram.sent().map((message) => message.text);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toBe(texts[0]);
    expect(await store.db.outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'sent' });
  }, 180_000);
});
