/**
 * Tool side effects across a crash, with real processes: a gateway runs the agent (the real
 * `openai` package against the scripted loopback model), the agent calls a side-effect tool
 * against a real server, and a loopback proxy in front of that server SIGKILLs the gateway
 * the moment the server's success answer passes back, before relaying it. The work is done
 * at the provider; the gateway has recorded the call's intent but not its outcome. A new
 * gateway on the same database re-runs the respond job, the model asks for the same call,
 * and the server must still hold exactly one copy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_OPENAI_KEY, type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-chat.ts';
import {
  FAKE_SMTP_PASSWORD,
  FAKE_SMTP_USER,
  type FakeSmtpServer,
  startFakeSmtpServer,
} from '../fakes/smtp-server.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { DOVECOT_PASSWORD, DOVECOT_USER, type DovecotServer, startDovecot } from '../support/dovecot.ts';
import { TEST_EGRESS_ALLOW } from '../support/egress.ts';
import { ADMIN_TOKEN, eventually, queueSettled, textUpdate } from '../support/gateway.ts';
import {
  acceptedAfterData,
  type KillingProxy,
  startKillingProxy,
  storedByPut,
} from '../support/killing-proxy.ts';
import { crashTestEnvironment, type GatewayProcess, spawnGateway } from '../support/process.ts';
import { RADICALE_PASSWORD, RADICALE_USER, type RadicaleServer, startRadicale } from '../support/radicale.ts';

const CUSTOMER_CHAT = 5550003001;
/** The customer's own address (their email identity), where the agent may send. */
const CUSTOMER_EMAIL = 'anna@example.com';

let dovecot: DovecotServer;
let radicale: RadicaleServer;
let calendarUrl: string;

beforeAll(async () => {
  dovecot = await startDovecot();
  radicale = await startRadicale();
  calendarUrl = await radicale.createCalendar('termine', 'Termine');
}, 60_000);

afterAll(async () => {
  await dovecot?.stop();
  await radicale?.stop();
});

/** Appends raw bytes to a Dovecot folder, as a provider's delivery or filing would. */
async function appendToDovecot(folder: string, raw: Buffer): Promise<void> {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user: DOVECOT_USER, pass: DOVECOT_PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    if (!(await client.list()).some((existing) => existing.path === folder))
      await client.mailboxCreate(folder);
    await client.append(folder, raw, [], new Date());
  } finally {
    await client.logout();
  }
}

describe('tool side effects across a crash', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let model: FakeOpenAi;
  let dataDir: string;
  let environment: Record<string, string>;
  const processes: GatewayProcess[] = [];
  const closers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    model = await startFakeOpenAi();
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-tool-crash-'));
    environment = {
      ...crashTestEnvironment({ databaseUrl: store.url, dataDir, telegramApiRoot: telegram.apiRoot }),
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: FAKE_OPENAI_KEY,
      OPENAI_MODEL: 'fake-model',
      OPENAI_TIMEOUT_MS: '5000',
      // Dovecot, Radicale, the SMTP server and the proxies are on loopback.
      SWITCHBOARD_EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    };
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((gateway) => gateway.stop('SIGKILL')));
    for (const close of closers.splice(0)) await close();
    await model.close();
    await telegram.close();
    await store.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<GatewayProcess> {
    const gateway = await spawnGateway(environment);
    processes.push(gateway);
    return gateway;
  }

  async function call(gateway: GatewayProcess, method: string, path: string, body: unknown, token: string) {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /**
   * A tenant with Telegram and the given tool connector, and the customer as one contact
   * with a Telegram and an email identity (one person across channels). Returns what the
   * webhook needs.
   */
  async function provision(
    gateway: GatewayProcess,
    connector: { id: string; values: Record<string, string> },
  ) {
    const created = await call(
      gateway,
      'POST',
      '/admin/tenants',
      { slug: 'florist', name: 'Florist' },
      ADMIN_TOKEN,
    );
    expect(created.status).toBe(201);
    const token = String(created.body.apiToken);
    const tenantId = String(created.body.id);
    expect(
      (
        await call(
          gateway,
          'PUT',
          '/admin/connector-hub/telegram/config',
          { bot_token: FAKE_BOT_TOKEN },
          token,
        )
      ).status,
    ).toBe(200);
    const saved = await call(
      gateway,
      'PUT',
      `/admin/connector-hub/${connector.id}/config`,
      connector.values,
      token,
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const contact = await store.db.contact.create({ data: { tenantId, displayName: 'Anna' } });
    await store.db.channelIdentity.createMany({
      data: [
        { tenantId, contactId: contact.id, channel: 'telegram', externalId: String(CUSTOMER_CHAT) },
        { tenantId, contactId: contact.id, channel: 'email', externalId: CUSTOMER_EMAIL },
      ],
    });
    const registration = telegram.calls.findLast((entry) => entry.method === 'setWebhook');
    return { slug: 'florist', secret: String(registration!.body.secret_token) };
  }

  async function postUpdate(gateway: GatewayProcess, target: { slug: string; secret: string }, text: string) {
    const response = await fetch(`${gateway.url}/webhook/telegram/${target.slug}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': target.secret },
      body: JSON.stringify(textUpdate({ updateId: 1, messageId: 11, chatId: CUSTOMER_CHAT, text })),
    });
    expect(response.status).toBe(200);
  }

  it('sends one mail when killed after the SMTP server accepted it and before the outcome was recorded', async () => {
    const delivered: string[] = [];
    // The provider delivers into the recipient's mailbox and files the submission in the
    // sender's Sent folder before it answers 250, as Gmail and Microsoft 365 do.
    const smtp: FakeSmtpServer = await startFakeSmtpServer({
      async onMessage(raw) {
        await appendToDovecot('INBOX', raw);
        await appendToDovecot('Sent', raw);
        delivered.push(raw.toString('latin1'));
      },
    });
    closers.push(() => smtp.close());
    const first = await start();
    const proxy: KillingProxy = await startKillingProxy({
      target: { host: smtp.host, port: smtp.port },
      detector: acceptedAfterData,
      kill: () => first.child.kill('SIGKILL'),
    });
    closers.push(() => proxy.close());
    const target = await provision(first, {
      id: 'imap',
      values: {
        host: dovecot.host,
        port: String(dovecot.port),
        tls: 'false',
        user: DOVECOT_USER,
        password: DOVECOT_PASSWORD,
        smtp_host: proxy.host,
        smtp_port: String(proxy.port),
        smtp_tls: 'none',
        smtp_user: FAKE_SMTP_USER,
        smtp_password: FAKE_SMTP_PASSWORD,
        from_address: 'shop@example.com',
      },
    });
    const sendCall = {
      name: 'send_email',
      arguments: JSON.stringify({ to: CUSTOMER_EMAIL, subject: 'Your order', body: 'It ships today.' }),
    };
    // The first run asks for the call and dies; the second asks for the same call, then answers.
    model.script({ toolCalls: [sendCall] }, { toolCalls: [sendCall] }, { text: 'I have emailed you.' });
    const before = (await dovecot.list('INBOX')).length;

    await postUpdate(first, target, 'Please email me the order details');
    await eventually(
      () => first.child.exitCode !== null || first.child.signalCode !== null,
      60_000,
      'the kill',
    );
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(proxy.caught()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    const messageId = smtp.received[0]!.messageId;
    // The intent is recorded, the outcome is not: the crash came in between.
    expect(await store.db.toolCall.findMany({ select: { tool: true, status: true, outcome: true } })).toEqual(
      [{ tool: 'send_email', status: 'started', outcome: null }],
    );
    expect(telegram.sent()).toHaveLength(0);

    await start();
    await eventually(() => telegram.sent().length === 1, 60_000, 'the reply after the restart');
    await queueSettled(store.db);
    expect(telegram.sent().map((message) => message.text)).toEqual(['I have emailed you.']);
    // The re-run found the mail in Sent and sent nothing again.
    expect(smtp.received).toHaveLength(1);
    const inbox = await dovecot.list('INBOX');
    expect(inbox).toHaveLength(before + 1);
    expect(inbox.filter((message) => message.messageId === messageId)).toHaveLength(1);
    expect((await dovecot.list('Sent')).filter((message) => message.messageId === messageId)).toHaveLength(1);
    const [recorded] = await store.db.toolCall.findMany();
    expect(recorded).toMatchObject({ tool: 'send_email', status: 'finished' });
    expect(JSON.parse(recorded!.outcome!)).toMatchObject({
      ok: true,
      record: { tool: 'send_email', success: true },
    });
    expect(model.remaining()).toBe(0);
  }, 180_000);

  it('books one event when killed after Radicale stored it and before the outcome was recorded', async () => {
    const first = await start();
    const proxy: KillingProxy = await startKillingProxy({
      target: { host: '127.0.0.1', port: radicale.port },
      detector: storedByPut,
      kill: () => first.child.kill('SIGKILL'),
    });
    closers.push(() => proxy.close());
    const target = await provision(first, {
      id: 'caldav',
      values: {
        server_url: `http://${proxy.host}:${proxy.port}/`,
        user: RADICALE_USER,
        password: RADICALE_PASSWORD,
        calendar: 'Termine',
        opening_hours: 'Mo-Su 00:00-24:00',
        time_zone: 'UTC',
        slot_minutes: '30',
      },
    });
    const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1_000);
    const start10 = `${tomorrow.toISOString().slice(0, 10)}T10:00:00Z`;
    const bookCall = {
      name: 'book_appointment',
      arguments: JSON.stringify({ start: start10, title: 'Fitting' }),
    };
    model.script({ toolCalls: [bookCall] }, { toolCalls: [bookCall] }, { text: 'You are booked for 10:00.' });
    const events = async () => (await radicale.readCalendar(calendarUrl)).split('BEGIN:VEVENT').length - 1;
    const before = await events();

    await postUpdate(first, target, 'Book me tomorrow at ten');
    await eventually(
      () => first.child.exitCode !== null || first.child.signalCode !== null,
      60_000,
      'the kill',
    );
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(proxy.caught()).toBe(1);
    // Radicale holds the event; the gateway recorded the intent, not the outcome.
    expect(await events()).toBe(before + 1);
    expect(await store.db.toolCall.findMany({ select: { tool: true, status: true, outcome: true } })).toEqual(
      [{ tool: 'book_appointment', status: 'started', outcome: null }],
    );
    expect(telegram.sent()).toHaveLength(0);

    await start();
    await eventually(() => telegram.sent().length === 1, 60_000, 'the reply after the restart');
    await queueSettled(store.db);
    expect(telegram.sent().map((message) => message.text)).toEqual(['You are booked for 10:00.']);
    expect(await events()).toBe(before + 1);
    const calendar = await radicale.readCalendar(calendarUrl);
    expect(calendar).toContain('SUMMARY:Fitting');
    const [recorded] = await store.db.toolCall.findMany();
    expect(recorded).toMatchObject({ tool: 'book_appointment', status: 'finished' });
    expect(JSON.parse(recorded!.outcome!)).toMatchObject({
      ok: true,
      content: expect.stringContaining('"booked":true'),
    });
    expect(model.remaining()).toBe(0);
  }, 180_000);
});
