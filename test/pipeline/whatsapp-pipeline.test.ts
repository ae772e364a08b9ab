import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { whatsappAdapter } from '../../src/channels/whatsapp/adapter.ts';
import { whatsappChange, whatsappFixtures } from '../channels/whatsapp/fixtures.ts';
import { FAKE_APP_SECRET, FAKE_WHATSAPP } from '../fakes/meta-graph.ts';
import { eventually } from '../support/gateway.ts';
import { type MetaWorld, metaSignature, startMetaWorld } from './meta-gateway.ts';

const fixture = whatsappFixtures.raw;
const { recordedSignature } = whatsappFixtures;

const customer = '15550000001';
const messagesPath = `/${FAKE_WHATSAPP.phoneNumberId}/messages`;
const config = {
  phone_number_id: FAKE_WHATSAPP.phoneNumberId,
  access_token: FAKE_WHATSAPP.accessToken,
  verify_token: 'fake-verify-token-2026',
  app_secret: FAKE_APP_SECRET,
};

function textMessage(id: string, text: string, from = customer): string {
  return whatsappChange({
    contacts: [{ profile: { name: 'Ada Test' }, wa_id: from }],
    messages: [{ from, id, timestamp: '1767268800', type: 'text', text: { body: text } }],
  });
}

function status(id: string, value: string, timestamp: number, errors?: unknown[]): string {
  return whatsappChange({
    statuses: [
      {
        id,
        status: value,
        timestamp: String(timestamp),
        recipient_id: customer,
        ...(errors ? { errors } : {}),
      },
    ],
  });
}

describe('WhatsApp end to end', () => {
  let world: MetaWorld;

  beforeEach(async () => {
    world = await startMetaWorld();
    await world.configure('whatsapp', config);
  });

  afterEach(async () => {
    await world.close();
  });

  const texts = () => world.graph.sent().filter((message) => message.type === 'text');
  const inboundCount = () => world.store.db.message.count({ where: { direction: 'inbound' } });
  const post = (body: string, secret = FAKE_APP_SECRET) => world.post('whatsapp', body, secret);

  it("answers each of Meta's recorded messages once, on the sender's number, and marks each as read", async () => {
    const names = [
      'text',
      'image',
      'audio_voice_note',
      'interactive_button_reply',
      'location',
      'unsupported',
    ];
    for (const name of names) {
      const response = await world.gateway.app.inject({
        method: 'POST',
        url: `/webhook/whatsapp/${world.tenant.slug}`,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': recordedSignature(name) },
        payload: fixture(name),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ stored: 1 });
    }
    // Six replies, the file's first, on a loaded machine: more than the default ten seconds.
    await eventually(() => texts().length === names.length, 30_000, 'a reply to each message');
    await world.settled();
    expect(texts()).toHaveLength(names.length);
    expect(new Set(texts().map((message) => message.to))).toEqual(new Set([customer]));
    // Replies to different messages may go out in any order; the greeting uses the profile name.
    expect(texts().some((message) => message.text?.startsWith('Hello Ada!'))).toBe(true);
    const inbound = await world.store.db.message.findMany({ where: { direction: 'inbound' } });
    await eventually(() => world.graph.reads().length === names.length);
    expect(new Set(world.graph.reads().map((read) => read.messageId))).toEqual(
      new Set(inbound.map((message) => message.providerMessageId)),
    );
    const contact = await world.store.db.contact.findFirstOrThrow();
    expect(contact.displayName).toBe('Ada Test');
    expect(await world.store.db.conversation.count()).toBe(1);
  });

  it('stores and answers a message delivered three times, two of them concurrently, once', async () => {
    const body = textMessage('wamid.DUP1', 'hello');
    const first = await post(body);
    const concurrent = await Promise.all([post(body), post(body)]);
    expect([first, ...concurrent].map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(first.json()).toMatchObject({ stored: 1, duplicates: 0 });
    expect(concurrent.map((response) => response.json().duplicates)).toEqual([1, 1]);
    await eventually(() => texts().length === 1);
    await world.settled();
    expect(await inboundCount()).toBe(1);
    expect(texts()).toHaveLength(1);
  });

  it('also dedupes a burst of three concurrent first deliveries', async () => {
    const body = textMessage('wamid.BURST1', 'hello');
    const responses = await Promise.all([post(body), post(body), post(body)]);
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(responses.reduce((sum, response) => sum + response.json().stored, 0)).toBe(1);
    await eventually(() => texts().length === 1);
    await world.settled();
    expect(texts()).toHaveLength(1);
    expect(world.graph.reads()).toHaveLength(1);
  });

  it('stores a batch of many entries and changes once, answering each message, and ignores its redelivery', async () => {
    const batch = fixture('batch_mixed');
    const first = await post(batch);
    expect(first.statusCode).toBe(200);
    // Ten messages of this number; the withdrawn reaction and the other number's message are not stored.
    expect(first.json()).toMatchObject({ stored: 10, duplicates: 0 });
    await eventually(() => texts().length === 10);
    await world.settled();
    const again = await post(batch);
    expect(again.json()).toMatchObject({ stored: 0, duplicates: 10 });
    await world.settled();
    expect(texts()).toHaveLength(10);
    expect(await inboundCount()).toBe(10);
    const recipients = texts().map((message) => message.to);
    expect(new Set(recipients)).toEqual(new Set(['15550000001', '15550000002', '15550000004']));
    expect(recipients).not.toContain('15550000003');
  });

  it('refuses a missing, wrong or replayed signature with 401 and stores nothing', async () => {
    const body = textMessage('wamid.SIG1', 'hi');
    const other = textMessage('wamid.SIG2', 'another body');
    const responses = [
      await world.post('whatsapp', body, undefined),
      await post(body, 'not_the_app_secret_0000000000000'),
      await world.post('whatsapp', body, undefined, {
        'x-hub-signature-256': metaSignature(other, FAKE_APP_SECRET),
      }),
      await world.post('whatsapp', body.replace('"hi"', '"hi!"'), undefined, {
        'x-hub-signature-256': metaSignature(body, FAKE_APP_SECRET),
      }),
    ];
    for (const response of responses) {
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toBe('SIGNATURE_INVALID');
    }
    expect(await inboundCount()).toBe(0);
    expect(await world.store.db.contact.count()).toBe(0);
    expect(await world.store.db.job.count()).toBe(0);
  });

  it('accepts nothing while no app secret is configured, and the connector says why', async () => {
    const saved = await world.configure('whatsapp', { app_secret: '' });
    expect(saved).toMatchObject({
      status: 'error',
      statusDetail: expect.stringContaining('app_secret is not set'),
    });
    const response = await post(textMessage('wamid.NOSECRET', 'hi'));
    expect(response.statusCode).toBe(401);
    expect(response.json().message).toContain('no app secret');
    expect(await inboundCount()).toBe(0);
  });

  it('answers a malformed body with 400 naming the problem, and keeps the valid messages of a partly bad batch', async () => {
    const junk = await post('{"object":"whatsapp_business_account","entry":');
    expect(junk.statusCode).toBe(400);
    expect(junk.json()).toMatchObject({
      error: 'MALFORMED_PAYLOAD',
      message: expect.stringContaining('not valid JSON'),
    });
    const wrongObject = await post('{"object":"page","entry":[]}');
    expect(wrongObject.json()).toMatchObject({
      error: 'MALFORMED_PAYLOAD',
      message: expect.stringContaining('"page"'),
    });
    expect(await inboundCount()).toBe(0);

    const partlyBad = await post(fixture('batch_with_bad_items'));
    expect(partlyBad.statusCode).toBe(200);
    expect(partlyBad.json()).toMatchObject({ stored: 2 });
    await eventually(() => texts().length === 2);
    await world.settled();
    expect(texts()).toHaveLength(2);
  });

  it('accepts a 2.9 MB batch and refuses one over 3 MiB with 413', async () => {
    const padded = (size: number) => {
      const body = JSON.parse(textMessage('wamid.BIG1', 'a large batch')) as {
        entry: Array<Record<string, unknown>>;
      };
      body.entry[0]!.padding = 'x'.repeat(size);
      return JSON.stringify(body);
    };
    const accepted = await post(padded(2_900_000));
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ stored: 1 });
    const refused = await post(padded(3_200_000));
    expect(refused.statusCode).toBe(413);
  });

  it('holds a reply outside the 24-hour window as needs_template, and sends it when the customer writes again', async () => {
    await post(textMessage('wamid.WIN1', 'hello'));
    await eventually(() => texts().length === 1);
    await world.settled();
    await world.ageInbound(25);

    await world.reply(whatsappAdapter, 'Your parcel arrived at the depot.', 'late-reply');
    expect(texts()).toHaveLength(1);
    const held = (await world.transcript()).find((item) => item.text === 'Your parcel arrived at the depot.');
    expect(held).toMatchObject({
      direction: 'outbound',
      status: 'needs_template',
      error: expect.stringContaining('24-hour'),
    });
    expect(await world.store.db.outboxMessage.count({ where: { status: 'held' } })).toBe(1);

    await post(textMessage('wamid.WIN2', 'any news?'));
    await eventually(() => texts().some((message) => message.text === 'Your parcel arrived at the depot.'));
    await world.settled();
    const released = (await world.transcript()).find(
      (item) => item.text === 'Your parcel arrived at the depot.',
    );
    expect(released).toMatchObject({ status: 'sent' });
    // The held reply and the answer to the new message: each sent once.
    expect(texts()).toHaveLength(3);
  });

  it('sends the configured template outside the window, never the free text', async () => {
    await world.configure('whatsapp', { template_name: 'order_update', template_language: 'de' });
    await post(textMessage('wamid.TPL1', 'hello'));
    await eventually(() => texts().length === 1);
    await world.settled();
    await world.ageInbound(30);

    await world.reply(whatsappAdapter, 'A free-form text that must not go out.', 'templated');
    const templates = world.graph.sent().filter((message) => message.type === 'template');
    expect(templates).toEqual([
      expect.objectContaining({ to: customer, template: { name: 'order_update', language: 'de' } }),
    ]);
    expect(texts().some((message) => message.text?.includes('must not go out'))).toBe(false);
    const outbound = (await world.transcript()).find((item) => item.text?.includes('must not go out'));
    expect(outbound).toMatchObject({ status: 'sent' });
  });

  it('splits a 5,000-character reply into pieces that arrive in order', async () => {
    await post(textMessage('wamid.LONG1', 'hi'));
    await eventually(() => texts().length === 1);
    const sentences = Array.from({ length: 140 }, (_, index) => `Sentence number ${index} of a long answer.`);
    const text = sentences.join(' ').slice(0, 5000);
    expect(text.length).toBe(5000);
    await world.reply(whatsappAdapter, text, 'long-reply');
    const pieces = texts().slice(1);
    expect(pieces).toHaveLength(2);
    for (const piece of pieces) {
      expect(piece.text!.length).toBeLessThanOrEqual(4096);
      expect(piece.to).toBe(customer);
    }
    expect(pieces.map((piece) => piece.text).join(' ')).toBe(text);
  });

  it('moves an outbound message through sent, delivered and read, never back, and records a failure', async () => {
    await post(textMessage('wamid.ST1', 'hi'));
    await eventually(() => texts().length === 1);
    await world.settled();
    const wamid = texts()[0]!.id;
    const outboundStatus = async () =>
      (await world.store.db.message.findFirstOrThrow({ where: { providerMessageId: wamid } })).status;
    expect(await outboundStatus()).toBe('sent');

    expect((await post(status(wamid, 'delivered', 1767268810))).statusCode).toBe(200);
    expect(await outboundStatus()).toBe('delivered');
    await post(status(wamid, 'read', 1767268820));
    expect(await outboundStatus()).toBe('read');
    // Meta does not promise order: a late "sent" or "delivered" must not undo "read".
    await post(status(wamid, 'delivered', 1767268810));
    await post(status(wamid, 'sent', 1767268805));
    expect(await outboundStatus()).toBe('read');

    await world.reply(whatsappAdapter, 'A second message.', 'second');
    const second = texts().at(-1)!.id;
    await post(
      status(second, 'failed', 1767268900, [
        {
          code: 131026,
          title: 'Message undeliverable',
          error_data: { details: 'The recipient is not on WhatsApp.' },
        },
      ]),
    );
    // A "sent" that Meta delivers after the failure must not hide it.
    await post(status(second, 'sent', 1767268890));
    const failed = (await world.transcript()).find((item) => item.text === 'A second message.');
    expect(failed).toMatchObject({
      status: 'failed',
      error: '131026 Message undeliverable: The recipient is not on WhatsApp.',
    });
  });

  it('waits out a 429 with its Retry-After, retries an outage, and delivers once', async () => {
    const isText = (body: Record<string, unknown>) => body.type === 'text';
    world.graph.fail(
      messagesPath,
      [
        { status: 429, headers: { 'retry-after': '1' } },
        { status: 400, body: { error: { message: 'Rate limit hit', code: 130429 } } },
        { status: 500 },
      ],
      isText,
    );
    await post(textMessage('wamid.RL1', 'hi'));
    const attempts = () =>
      world.graph.calls.filter((call) => call.path === messagesPath && isText(call.body)).length;
    await eventually(() => attempts() >= 1);
    const firstAttemptAt = Date.now();
    await eventually(() => attempts() >= 2, 5_000);
    // Retry-After: 1 second; the retry must not come sooner (allowing for polling granularity).
    expect(Date.now() - firstAttemptAt).toBeGreaterThanOrEqual(900);
    await eventually(() => texts().length === 1, 10_000);
    await world.settled();
    expect(attempts()).toBe(4);
    expect(texts()).toHaveLength(1);
    expect(await world.store.db.outboxMessage.findFirstOrThrow()).toMatchObject({
      status: 'sent',
      attempts: 4,
    });
  });

  it("answers Meta's subscription handshake with the plain challenge, and 403 for a wrong token", async () => {
    const handshake = (token: string) =>
      world.gateway.app.inject({
        method: 'GET',
        url: `/webhook/whatsapp/${world.tenant.slug}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${token}`,
      });
    const accepted = await handshake('fake-verify-token-2026');
    expect(accepted.statusCode).toBe(200);
    expect(accepted.headers['content-type']).toMatch(/^text\/plain/);
    expect(accepted.body).toBe('1158201444');
    const refused = await handshake('nope');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain('1158201444');
  });

  it('appears in the catalog with its fields and status, has setup docs, and passes its test against Meta', async () => {
    const call = (method: 'GET' | 'POST', url: string) =>
      world.gateway.request({ method, url: `/admin/connector-hub${url}`, token: world.tenant.apiToken });
    const catalog = (await call('GET', '/catalog')).json<{ items: Array<Record<string, unknown>> }>().items;
    expect(catalog.find((item) => item.id === 'whatsapp')).toMatchObject({
      name: 'WhatsApp',
      category: 'messaging',
      status: 'connected',
      fields: expect.arrayContaining([expect.objectContaining({ key: 'access_token', secret: true })]),
    });
    const stored = (await call('GET', '/whatsapp/config')).json();
    expect(stored.values.access_token).not.toBe(FAKE_WHATSAPP.accessToken);
    expect(stored.details).toMatchObject({ display_phone_number: '+15550009999' });
    expect((await call('GET', '/whatsapp/setup-docs?lang=de')).json().markdown).toContain(
      '24-Stunden-Fenster',
    );
    expect((await call('POST', '/whatsapp/test')).json()).toEqual({
      ok: true,
      detail: `+15550009999 (${FAKE_WHATSAPP.verifiedName})`,
    });
  });
});
