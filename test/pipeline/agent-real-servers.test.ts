/**
 * The done-when, end to end with real servers: a Telegram message through the real
 * gateway, the real `openai` package against the loopback Chat Completions fake, and the
 * IMAP and CalDAV tools of src/integrations against a real Dovecot and a real Radicale
 * started for these tests, configured through the connector hub like a tenant would.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf } from '../agent/support.ts';
import { FAKE_OPENAI_KEY, type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-chat.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore } from '../support/database.ts';
import { DOVECOT_PASSWORD, DOVECOT_USER, type DovecotServer, startDovecot } from '../support/dovecot.ts';
import {
  eventually,
  queueSettled,
  startTestGateway,
  type TestGateway,
  type TestTenant,
  textUpdate,
} from '../support/gateway.ts';
import { RADICALE_PASSWORD, RADICALE_USER, type RadicaleServer, startRadicale } from '../support/radicale.ts';

type TestStore = Awaited<ReturnType<typeof createTestStore>>;

let dovecot: DovecotServer;
let radicale: RadicaleServer;
let calendarUrl: string;
let store: TestStore;
let telegram: FakeTelegram;
let model: FakeOpenAi;
let gateway: TestGateway;
let tenant: TestTenant;
let secret: string;
let updates = 0;

beforeAll(async () => {
  [dovecot, radicale] = await Promise.all([startDovecot(), startRadicale()]);
  await dovecot.seed([
    {
      fromName: 'Anna Becker',
      fromAddress: 'anna@example.org',
      subject: 'Bestellung Hochzeitstorte',
      text: 'Hallo, ich möchte eine Torte bestellen.',
      date: new Date('2026-11-22T09:00:00Z'),
    },
    {
      fromName: 'Lieferant GmbH',
      fromAddress: 'billing@supplier.example',
      subject: 'Rechnung November',
      text: 'Anbei die Rechnung.',
      date: new Date('2026-11-23T07:30:00Z'),
    },
  ]);
  calendarUrl = await radicale.createCalendar('termine', 'Termine');
}, 60_000);

afterAll(async () => {
  await Promise.all([dovecot?.stop(), radicale?.stop()]);
});

beforeEach(async () => {
  store = await createTestStore();
  telegram = await startFakeTelegram();
  model = await startFakeOpenAi();
});

afterEach(async () => {
  await gateway?.close();
  await model.close();
  await telegram.close();
  await store.dispose();
});

async function start(withModel: boolean) {
  gateway = await startTestGateway({
    store,
    telegram,
    environment: withModel
      ? { OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: FAKE_OPENAI_KEY, OPENAI_MODEL: 'fake-model' }
      : {},
  });
  tenant = await gateway.createTenant('bakery', 'Bäckerei Schmidt');
  secret = await gateway.configureTelegram(tenant);
  // The customer writing on Telegram is Anna, whose email address the business knows (one
  // person across channels): her own mail is what the customer-scoped tools may show.
  const contact = await store.db.contact.create({
    data: { tenantId: tenant.id, displayName: 'Anna Becker' },
  });
  await store.db.channelIdentity.createMany({
    data: [
      { tenantId: tenant.id, contactId: contact.id, channel: 'telegram', externalId: '5550000001' },
      { tenantId: tenant.id, contactId: contact.id, channel: 'email', externalId: 'anna@example.org' },
    ],
  });
}

async function configure(connector: 'imap' | 'caldav', values: Record<string, string>) {
  const response = await gateway.request({
    method: 'PUT',
    url: `/admin/connector-hub/${connector}/config`,
    token: tenant.apiToken,
    payload: values,
  });
  expect(response.statusCode, response.body).toBe(200);
}

const mailbox = (overrides: Record<string, string> = {}) =>
  configure('imap', {
    host: dovecot.host,
    port: String(dovecot.port),
    tls: 'false',
    user: DOVECOT_USER,
    password: DOVECOT_PASSWORD,
    ...overrides,
  });

const calendar = () =>
  configure('caldav', {
    server_url: radicale.url,
    user: RADICALE_USER,
    password: RADICALE_PASSWORD,
    calendar: 'Termine',
  });

/** Sends a Telegram message and waits for the reply it gets; returns that reply's text. */
async function say(text: string): Promise<string> {
  const before = telegram.sent().length;
  updates += 1;
  const response = await gateway.postUpdate(
    tenant.slug,
    textUpdate({ updateId: updates, messageId: 100 + updates, chatId: 5550000001, text }),
    secret,
  );
  expect(response.statusCode).toBe(200);
  await eventually(() => telegram.sent().length > before, 20_000, 'a reply on Telegram');
  await queueSettled(store.db);
  expect(telegram.sent()).toHaveLength(before + 1);
  return telegram.sent().at(-1)!.text;
}

async function integrationEvents() {
  await gateway.app.analytics.flush();
  return (await eventsOf(store.db, tenant.id)).filter((event) => event.name.startsWith('integration_'));
}

describe('agent with real mail and calendar servers', () => {
  it('reads the Dovecot inbox for the model and answers on Telegram', async () => {
    await start(true);
    await mailbox();
    model.script(
      { toolCalls: [{ name: 'read_emails', arguments: '{"limit":5}' }] },
      { text: 'Deine Tortenbestellung ist bei uns angekommen.' },
    );
    expect(await say('Ist meine E-Mail angekommen?')).toBe('Deine Tortenbestellung ist bei uns angekommen.');
    const toolMessage = model.requests[1]!.body.messages.at(-1)!;
    expect(toolMessage.role).toBe('tool');
    // Her own mail only: the supplier's invoice in the same inbox does not exist for her.
    expect(toolMessage.content).toContain('Bestellung Hochzeitstorte');
    expect(toolMessage.content).not.toContain('Rechnung November');
    const events = await integrationEvents();
    expect(events.map((event) => event.name)).toEqual([
      'integration_used_in_chat',
      'integration_data_fetched',
    ]);
    expect(events[0]!.properties).toMatchObject({
      provider: 'none',
      service: 'imap_mail',
      action_type: 'read_emails',
      success: true,
      items_processed: 1,
    });
    expect(JSON.stringify(events)).not.toMatch(/Hochzeitstorte|anna@example|Anna Becker/);
  });

  it('a wrong password: success false, integration_error auth_expired, a polite reply', async () => {
    await start(true);
    await mailbox({ password: 'wrong-password' });
    model.script(
      { toolCalls: [{ name: 'read_emails', arguments: '{"limit":5}' }] },
      { text: 'Ich komme gerade nicht an das Postfach; das Team kümmert sich.' },
    );
    expect(await say('Gibt es neue E-Mails?')).toBe(
      'Ich komme gerade nicht an das Postfach; das Team kümmert sich.',
    );
    expect(model.requests[1]!.body.messages.at(-1)!.content).toBe('error: the tool failed (auth_expired)');
    const events = await integrationEvents();
    expect(
      events.map((event) => [event.name, event.properties.success ?? event.properties.error_type]),
    ).toEqual([
      ['integration_used_in_chat', false],
      ['integration_error', 'auth_expired'],
    ]);
  });

  it('a mail server that is down: integration_error network_error, and the offline agent still answers', async () => {
    await start(false);
    await mailbox({ host: '127.0.0.1', port: '1' });
    expect(await say('Show me my latest emails')).toMatch(/^Sorry, that did not work just now/);
    const errors = (await integrationEvents()).filter((event) => event.name === 'integration_error');
    expect(errors.map((event) => event.properties.error_type)).toEqual(['network_error']);
  });

  it('creates a Radicale event the model asks for, readable from the server', async () => {
    await start(true);
    await calendar();
    model.script(
      {
        toolCalls: [
          {
            // A customer books through book_appointment (opening hours, free slots); the
            // staff tool create_event is not offered to her.
            name: 'book_appointment',
            arguments: JSON.stringify({ title: 'Beratung Anna Becker', start: '2026-12-10T10:00:00+01:00' }),
          },
        ],
      },
      { text: 'Der Termin am 10. Dezember um 10 Uhr ist eingetragen.' },
    );
    expect(await say('Bitte einen Beratungstermin am 10.12. um 10 Uhr')).toBe(
      'Der Termin am 10. Dezember um 10 Uhr ist eingetragen.',
    );
    const stored = await radicale.readCalendar(calendarUrl);
    expect(stored).toContain('SUMMARY:Beratung Anna Becker');
    const events = await integrationEvents();
    expect(events[0]).toEqual({
      name: 'integration_used_in_chat',
      properties: expect.objectContaining({
        service: 'caldav',
        action_type: 'create_event',
        success: true,
        items_processed: 1,
      }),
    });
  });

  it('the offline agent books in German on Radicale and lists her own appointments', async () => {
    await start(false);
    await calendar();
    expect(await say('Ich möchte einen Termin am 3.12.2026 um 15 Uhr buchen')).toMatch(
      /^Erledigt: dein Termin am/,
    );
    expect(await radicale.readCalendar(calendarUrl)).toContain('SUMMARY:Termin mit Anna Becker');
    // Her own appointments, read back from the server.
    expect(await say('What appointments do I have?')).toMatch(/^Your upcoming appointments:\n- /);
    const used = (await integrationEvents()).filter((event) => event.name === 'integration_used_in_chat');
    expect(used.map((event) => event.properties.success)).toEqual([true, true]);
    expect(model.requests).toHaveLength(0);
  });
});
