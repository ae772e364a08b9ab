import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { smsAdapter } from '../../src/channels/sms/adapter.ts';
import { countSmsSegments, MAX_SEGMENTS_PER_MESSAGE } from '../../src/channels/sms/segments.ts';
import { enqueueReply, splitterFor } from '../../src/dispatcher/outbox.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  type FakeTwilio,
  signTwilioRequest,
  startFakeTwilio,
} from '../fakes/twilio-api.ts';
import { createTestStore } from '../support/database.ts';
import {
  eventually,
  PUBLIC_URL,
  queueSettled,
  startTestGateway,
  type TestGateway,
  type TestTenant,
} from '../support/gateway.ts';

type TestStore = Awaited<ReturnType<typeof createTestStore>>;

const fixtures = new URL('../channels/sms/fixtures/', import.meta.url);
const fixtureBody = (name: string) => readFileSync(new URL(`${name}.txt`, fixtures), 'utf8');

const HELP_TEXT = 'Bakery help: ask us anything. Reply STOP to opt out.';

/** An incoming SMS shaped like the shared fixture, from `from`, with its own MessageSid. */
function inboundSms(options: { sid: number; from: string; body: string }): string {
  const form = new URLSearchParams(fixtureBody('inbound_text'));
  const sid = `SM${options.sid.toString(16).padStart(32, '0')}`;
  for (const name of ['MessageSid', 'SmsSid', 'SmsMessageSid']) form.set(name, sid);
  form.set('From', options.from);
  form.set('Body', options.body);
  return form.toString();
}

describe('SMS end to end', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let twilio: FakeTwilio;
  let gateway: TestGateway;
  let tenant: TestTenant;

  async function startGateway(keyRing?: TestGateway['keyRing']): Promise<TestGateway> {
    return startTestGateway({
      store,
      telegram,
      environment: { TWILIO_API_BASE_URL: twilio.baseUrl },
      ...(keyRing ? { keyRing } : {}),
    });
  }

  async function configureSms(values: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await gateway.request({
      method: 'PUT',
      url: '/admin/connector-hub/sms/config',
      token: tenant.apiToken,
      payload: {
        account_sid: FAKE_ACCOUNT_SID,
        auth_token: FAKE_AUTH_TOKEN,
        sms_number: FAKE_SMS_NUMBER,
        help_text: HELP_TEXT,
        ...values,
      },
    });
    expect(response.statusCode).toBe(200);
    return response;
  }

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    twilio = await startFakeTwilio();
    gateway = await startGateway();
    tenant = await gateway.createTenant('bakery');
    await configureSms();
  });

  afterEach(async () => {
    await gateway.close();
    await twilio.close();
    await telegram.close();
    await store.dispose();
  });

  /**
   * Posts a form body to the tenant's SMS webhook (or a subpath), signed as Twilio signs it
   * for the URL it calls; `signature: null` sends none, a string sends that one instead.
   */
  function postSms(
    body: string,
    options: { subpath?: string; signature?: string | null; contentType?: string } = {},
  ): Promise<LightMyRequestResponse> {
    const path = `/webhook/sms/${tenant.slug}${options.subpath ?? ''}`;
    const signature =
      options.signature === undefined
        ? signTwilioRequest(FAKE_AUTH_TOKEN, `${PUBLIC_URL}${path}`, body)
        : options.signature;
    return gateway.app.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
        ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      },
      payload: body,
    });
  }

  /** Posts the status callback Twilio would send for a message we sent. */
  function postStatus(sid: string, status: string, errorCode?: number): Promise<LightMyRequestResponse> {
    const callback = twilio.statusCallback(sid, status, errorCode === undefined ? {} : { errorCode });
    expect(callback.url).toBe(`${PUBLIC_URL}/webhook/sms/${tenant.slug}/status`);
    return postSms(callback.body, { subpath: '/status' });
  }

  const settled = () => queueSettled(store.db);
  const inboundCount = () => store.db.message.count({ where: { direction: 'inbound' } });
  const sentTo = (number: string) => twilio.sent().filter((message) => message.to === number);

  /** Records a reply the way the respond job does, and lets the worker deliver it. */
  async function recordReply(chatId: string, text: string, idempotencyKey: string): Promise<void> {
    const conversation = await store.db.conversation.findFirstOrThrow({ where: { externalChatId: chatId } });
    await sqlOf(store.db).transaction((tx) =>
      enqueueReply(tx, {
        tenantId: tenant.id,
        conversationId: conversation.id,
        channel: 'sms',
        text,
        idempotencyKey,
        split: splitterFor(smsAdapter),
        maxAttempts: 4,
        nowMs: Date.now(),
      }),
    );
    gateway.app.worker?.wake();
    await settled();
  }

  it('registers the webhook on the number when the configuration is saved', async () => {
    expect(twilio.numbers()[0]?.smsUrl).toBe(`${PUBLIC_URL}/webhook/sms/bakery`);
    const config = await gateway.request({
      method: 'GET',
      url: '/admin/connector-hub/sms/config',
      token: tenant.apiToken,
    });
    expect(config.json()).toMatchObject({
      status: 'connected',
      values: { account_sid: FAKE_ACCOUNT_SID, sms_number: FAKE_SMS_NUMBER },
      details: { status_callback_url: `${PUBLIC_URL}/webhook/sms/bakery/status` },
    });
    expect(config.body).not.toContain(FAKE_AUTH_TOKEN);
  });

  it('answers a text once, to the sender, from our number, through the real SDK, with empty TwiML', async () => {
    const response = await postSms(fixtureBody('inbound_text'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/xml/);
    expect(response.body).toBe('<Response/>');
    const reply = (await eventually(() => twilio.sent()[0]))!;
    expect(reply).toMatchObject({
      to: '+15550000001',
      from: FAKE_SMS_NUMBER,
      statusCallback: `${PUBLIC_URL}/webhook/sms/bakery/status`,
    });
    expect(reply.body.length).toBeGreaterThan(0);
    await settled();
    expect(twilio.sent()).toHaveLength(1);
    expect(twilio.calls.find((call) => call.resource === 'messages')?.userAgent).toMatch(/^twilio-node\//);
    const outbound = await store.db.message.findFirstOrThrow({ where: { direction: 'outbound' } });
    expect(outbound).toMatchObject({ status: 'sent', providerMessageId: reply.sid, text: reply.body });
  });

  it('stores MMS media as references and answers once', async () => {
    expect((await postSms(fixtureBody('inbound_mms'))).statusCode).toBe(200);
    await eventually(() => twilio.sent().length === 1);
    await settled();
    const inbound = await store.db.message.findFirstOrThrow({ where: { direction: 'inbound' } });
    expect(inbound.kind).toBe('media');
    expect(JSON.parse(inbound.parts)).toContainEqual(
      expect.objectContaining({
        type: 'media',
        mediaType: 'image',
        providerFileId: expect.stringContaining('/Media/ME'),
      }),
    );
    expect(twilio.sent()).toHaveLength(1);
  });

  it('stores and answers the same MessageSid delivered three times, two of them concurrently, once', async () => {
    const body = inboundSms({ sid: 7, from: '+15550000003', body: 'hello' });
    const first = await postSms(body);
    const concurrent = await Promise.all([postSms(body), postSms(body)]);
    expect([first, ...concurrent].map((response) => response.statusCode)).toEqual([200, 200, 200]);
    await eventually(() => twilio.sent().length === 1);
    await settled();
    expect(await inboundCount()).toBe(1);
    expect(twilio.sent()).toHaveLength(1);
  });

  it('also dedupes a burst of concurrent first deliveries', async () => {
    const body = inboundSms({ sid: 8, from: '+15550000004', body: 'hi there' });
    const responses = await Promise.all([1, 2, 3].map(() => postSms(body)));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
    await eventually(() => twilio.sent().length === 1);
    await settled();
    expect(await inboundCount()).toBe(1);
    expect(twilio.sent()).toHaveLength(1);
  });

  it('rejects a wrong, missing or other-URL signature with 401 and stores nothing', async () => {
    const body = fixtureBody('inbound_text');
    const forOtherTenant = signTwilioRequest(FAKE_AUTH_TOKEN, `${PUBLIC_URL}/webhook/sms/other`, body);
    const withOtherToken = signTwilioRequest(
      '0123456789abcdef0123456789abcdef',
      `${PUBLIC_URL}/webhook/sms/bakery`,
      body,
    );
    const responses = [
      await postSms(body, { signature: null }),
      await postSms(body, { signature: 'kAMZUIKj4yJ2d2qWigYDT3NiNUY=' }),
      await postSms(body, { signature: forOtherTenant }),
      await postSms(body, { signature: withOtherToken }),
      await postSms(fixtureBody('status_callback_delivered'), { subpath: '/status', signature: null }),
    ];
    for (const response of responses) {
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toBe('SIGNATURE_INVALID');
    }
    expect(await store.db.message.count()).toBe(0);
    expect(await store.db.contact.count()).toBe(0);
    expect(await store.db.job.count()).toBe(0);
    expect(twilio.sent()).toHaveLength(0);
  });

  it('answers a malformed body with 400 naming the problem, and another content type with 415', async () => {
    const form = new URLSearchParams(fixtureBody('inbound_text'));
    form.delete('MessageSid');
    const missingSid = await postSms(form.toString());
    expect(missingSid.statusCode).toBe(400);
    expect(missingSid.json()).toMatchObject({
      error: 'MALFORMED_PAYLOAD',
      message: expect.stringContaining('MessageSid'),
    });
    const json = await postSms('{"MessageSid":"SM1"}', { contentType: 'application/json' });
    expect(json.statusCode).toBe(415);
    expect(await store.db.message.count()).toBe(0);
    expect(await store.db.job.count()).toBe(0);
  });

  it('stops every send to a number that texted STOP, across a restart, until START', async () => {
    const customer = '+15550000002';
    await postSms(inboundSms({ sid: 20, from: customer, body: 'hi' }));
    await eventually(() => sentTo(customer).length === 1);
    await settled();

    const stop = await postSms(fixtureBody('inbound_stop_optout'));
    expect(stop.statusCode).toBe(200);
    await settled();
    const contact = await store.db.contact.findFirstOrThrow();
    expect(contact.optedOut).toBe(true);
    // Staff see the STOP in the conversation; nothing answers it.
    expect(await store.db.message.count({ where: { direction: 'inbound', text: 'STOP' } })).toBe(1);
    expect(sentTo(customer)).toHaveLength(1);

    await gateway.close();
    gateway = await startGateway(gateway.keyRing);

    await recordReply(customer, 'a follow-up nobody should receive', 'follow-up');
    expect(
      await store.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: 'follow-up' } }),
    ).toMatchObject({
      status: 'suppressed',
    });
    expect((await postSms(inboundSms({ sid: 21, from: customer, body: 'are you there?' }))).statusCode).toBe(
      200,
    );
    await settled();
    expect(await inboundCount()).toBe(3);
    expect(sentTo(customer)).toHaveLength(1);

    await postSms(inboundSms({ sid: 22, from: customer, body: 'START' }));
    await settled();
    expect((await store.db.contact.findFirstOrThrow()).optedOut).toBe(false);
    // Twilio confirms START itself; we do not answer the bare keyword.
    expect(sentTo(customer)).toHaveLength(1);
    await postSms(inboundSms({ sid: 23, from: customer, body: 'Do you have rye bread?' }));
    await eventually(() => sentTo(customer).length === 2);
  });

  it("answers HELP with the tenant's help text, and stays silent when Advanced Opt-Out answers it", async () => {
    await postSms(inboundSms({ sid: 30, from: '+15550000005', body: 'help' }));
    await eventually(() => twilio.sent().length === 1);
    expect(twilio.sent()[0]).toMatchObject({ to: '+15550000005', body: HELP_TEXT });

    await configureSms({ advanced_opt_out: 'true' });
    await postSms(inboundSms({ sid: 31, from: '+15550000006', body: 'HELP' }));
    await settled();
    expect(await inboundCount()).toBe(2);
    expect(twilio.sent()).toHaveLength(1);
  });

  it('delivers a 5,000-character reply as whole messages of at most 10 segments, in order, paced', async () => {
    const customer = '+15550000007';
    await postSms(inboundSms({ sid: 40, from: customer, body: 'tell me everything' }));
    await eventually(() => sentTo(customer).length === 1);
    await settled();
    const sentences = Array.from({ length: 140 }, (_, index) => `Sentence number ${index} of a long answer.`);
    const text = sentences.join(' ');
    expect(text.length).toBeGreaterThan(5000);

    await recordReply(customer, text, 'long-reply');
    const pieces = sentTo(customer).slice(1);
    expect(pieces.length).toBe(4);
    for (const piece of pieces)
      expect(countSmsSegments(piece.body)).toBeLessThanOrEqual(MAX_SEGMENTS_PER_MESSAGE);
    expect(pieces.map((piece) => piece.body).join(' ')).toBe(text);
    const arrivals = twilio.calls
      .filter((call) => call.resource === 'messages')
      .map((call) => call.receivedAt);
    for (let index = 2; index < arrivals.length; index += 1) {
      // One send per second for the account (the first reply's slot came earlier).
      expect(arrivals[index]! - arrivals[index - 1]!).toBeGreaterThanOrEqual(800);
    }
  });

  it('applies status callbacks: delivered, failed with the error code, never backwards', async () => {
    await postSms(inboundSms({ sid: 50, from: '+15550000008', body: 'hi' }));
    await postSms(inboundSms({ sid: 51, from: '+15550000009', body: 'hi' }));
    await eventually(() => twilio.sent().length === 2);
    await settled();
    const [first, second] = twilio.sent();
    const statusOf = async (sid: string) =>
      (await store.db.message.findFirstOrThrow({ where: { providerMessageId: sid } })).status;

    const delivered = await postStatus(first!.sid, 'delivered');
    expect(delivered.statusCode).toBe(200);
    expect(delivered.body).toBe('<Response/>');
    expect(await statusOf(first!.sid)).toBe('delivered');
    await postStatus(first!.sid, 'sent');
    expect(await statusOf(first!.sid)).toBe('delivered');

    await postStatus(second!.sid, 'undelivered', 30003);
    const failed = await store.db.message.findFirstOrThrow({ where: { providerMessageId: second!.sid } });
    expect(failed).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('30003 (unreachable destination handset)'),
    });
  });

  it('opts a recipient out when a status callback reports 21610', async () => {
    await postSms(inboundSms({ sid: 60, from: '+15550000010', body: 'hi' }));
    await eventually(() => twilio.sent().length === 1);
    await settled();
    await postStatus(twilio.sent()[0]!.sid, 'failed', 21610);
    expect((await store.db.contact.findFirstOrThrow()).optedOut).toBe(true);
  });

  it('retries 429 (honouring Retry-After) and 5xx, and delivers once', async () => {
    twilio.fail('messages', [{ status: 429, code: 20429, retryAfter: 1 }, { status: 500 }, { status: 503 }]);
    await postSms(inboundSms({ sid: 70, from: '+15550000011', body: 'hi' }));
    const attempts = () => twilio.calls.filter((call) => call.resource === 'messages');
    await eventually(() => attempts().length >= 2, 5_000);
    expect(attempts()[1]!.receivedAt - attempts()[0]!.receivedAt).toBeGreaterThanOrEqual(950);
    await eventually(() => twilio.sent().length === 1, 5_000);
    await settled();
    expect(attempts()).toHaveLength(4);
    expect(twilio.sent()).toHaveLength(1);
    expect(await store.db.outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'sent', attempts: 4 });
  });

  it('does not retry a send Twilio refuses because the recipient unsubscribed (21610)', async () => {
    twilio.optOut('+15550000012');
    await postSms(inboundSms({ sid: 80, from: '+15550000012', body: 'hi' }));
    await settled();
    expect(twilio.calls.filter((call) => call.resource === 'messages')).toHaveLength(1);
    expect(await store.db.outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'dead', attempts: 1 });
    const outbound = await store.db.message.findFirstOrThrow({ where: { direction: 'outbound' } });
    expect(outbound.error).toMatch(/opted out and must text START first/);
  });

  it('lists the connector with its fields and status, serves its docs, and tests the account', async () => {
    const catalog = await gateway.request({
      method: 'GET',
      url: '/admin/connector-hub/catalog',
      token: tenant.apiToken,
    });
    const entry = catalog.json().items.find((item: { id: string }) => item.id === 'sms');
    expect(entry).toMatchObject({ name: 'SMS (Twilio)', category: 'messaging', status: 'connected' });
    expect(entry.fields.find((field: { key: string }) => field.key === 'auth_token')).toMatchObject({
      secret: true,
    });
    const docs = await gateway.request({
      method: 'GET',
      url: '/admin/connector-hub/sms/setup-docs?lang=de',
      token: tenant.apiToken,
    });
    expect(docs.json().markdown).toMatch(/^## SMS-Nummer verbinden/);
    const test = await gateway.request({
      method: 'POST',
      url: '/admin/connector-hub/sms/test',
      token: tenant.apiToken,
    });
    expect(test.json()).toEqual({ ok: true, detail: 'Switchboard test account (active)' });
  });
});
