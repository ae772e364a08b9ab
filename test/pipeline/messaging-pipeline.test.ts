import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instagramAdapter } from '../../src/channels/instagram/adapter.ts';
import { messengerAdapter } from '../../src/channels/messenger/adapter.ts';
import type { ChannelAdapter } from '../../src/channels/types.ts';
import { instagramFixtures } from '../channels/instagram/fixtures.ts';
import { messengerFixtures } from '../channels/messenger/fixtures.ts';
import {
  FAKE_APP_SECRET,
  FAKE_INSTAGRAM,
  FAKE_INSTAGRAM_APP_SECRET,
  FAKE_PAGE,
  type FakeGraphMessage,
} from '../fakes/meta-graph.ts';
import { eventually } from '../support/gateway.ts';
import { type MetaWorld, metaSignature, startMetaWorld } from './meta-gateway.ts';

interface Channel {
  adapter: ChannelAdapter;
  object: 'page' | 'instagram';
  accountId: string;
  customer: string;
  appSecret: string;
  config: Record<string, string>;
  sendPath: string;
  /** Recorded bodies with one customer message each, and bodies that must not be answered. */
  answered: string[];
  unanswered: string[];
  /** A receipt body for one of our messages, and the status it must set. */
  receipt(mid: string): { body: string; status: string };
  /** How the channel's limit measures a piece. */
  size(text: string): number;
  limit: number;
}

const fixtures = { messenger: messengerFixtures, instagram: instagramFixtures };
const fixture = (folder: keyof typeof fixtures, name: string): string => fixtures[folder].raw(name);

/** A webhook body of `object` for `accountId` with one entry per list of messaging items. */
function body(object: string, accountId: string, entries: unknown[][]): string {
  return JSON.stringify({
    object,
    entry: entries.map((messaging, index) => ({ id: accountId, time: 1767268800000 + index, messaging })),
  });
}

function messageFrom(channel: Channel, mid: string, text: string, customer = channel.customer) {
  return {
    sender: { id: customer },
    recipient: { id: channel.accountId },
    timestamp: 1767268800000,
    message: { mid, text },
  };
}

const channels: Channel[] = [
  {
    adapter: messengerAdapter,
    object: 'page',
    accountId: FAKE_PAGE.pageId,
    customer: '5550000000000001',
    appSecret: FAKE_APP_SECRET,
    config: {
      page_id: FAKE_PAGE.pageId,
      page_access_token: FAKE_PAGE.accessToken,
      verify_token: 'fake-verify-token-2026',
      app_secret: FAKE_APP_SECRET,
    },
    sendPath: `/${FAKE_PAGE.pageId}/messages`,
    answered: ['text', 'quick_reply', 'image_attachment', 'postback_get_started'].map((name) =>
      fixture('messenger', name),
    ),
    unanswered: ['echo', 'delivery_and_read'].map((name) => fixture('messenger', name)),
    receipt: (mid) => ({
      body: body('page', FAKE_PAGE.pageId, [
        [
          {
            sender: { id: '5550000000000001' },
            recipient: { id: FAKE_PAGE.pageId },
            timestamp: 1767268920000,
            delivery: { mids: [mid], watermark: 1767268919000 },
          },
        ],
      ]),
      status: 'delivered',
    }),
    size: (text) => text.length,
    limit: 2000,
  },
  {
    adapter: instagramAdapter,
    object: 'instagram',
    accountId: FAKE_INSTAGRAM.accountId,
    customer: '1000000000000101',
    appSecret: FAKE_INSTAGRAM_APP_SECRET,
    config: {
      instagram_account_id: FAKE_INSTAGRAM.accountId,
      page_access_token: FAKE_INSTAGRAM.accessToken,
      verify_token: 'fake-verify-token-2026',
      app_secret: FAKE_INSTAGRAM_APP_SECRET,
    },
    sendPath: '/me/messages',
    answered: ['text', 'image_attachment', 'postback_icebreaker'].map((name) => fixture('instagram', name)),
    unanswered: ['echo', 'seen'].map((name) => fixture('instagram', name)),
    receipt: (mid) => ({
      body: body('instagram', FAKE_INSTAGRAM.accountId, [
        [
          {
            sender: { id: '1000000000000101' },
            recipient: { id: FAKE_INSTAGRAM.accountId },
            timestamp: 1767268855000,
            read: { mid },
          },
        ],
      ]),
      status: 'read',
    }),
    size: (text) => Buffer.byteLength(text, 'utf8'),
    limit: 1000,
  },
];

describe.each(channels)('$adapter.id end to end', (channel) => {
  const id = channel.adapter.id;
  let world: MetaWorld;

  beforeEach(async () => {
    world = await startMetaWorld();
    await world.configure(id, channel.config);
  });

  afterEach(async () => {
    await world.close();
  });

  const sent = (): FakeGraphMessage[] => world.graph.sent();
  const inboundCount = () => world.store.db.message.count({ where: { direction: 'inbound' } });
  const post = (raw: string, secret = channel.appSecret) => world.post(id, raw, secret);

  it("answers each of Meta's recorded messages once, as a RESPONSE to the customer, and ignores echoes and receipts", async () => {
    for (const raw of [...channel.answered, ...channel.unanswered]) {
      expect((await post(raw)).statusCode).toBe(200);
    }
    await eventually(() => sent().length === channel.answered.length);
    await world.settled();
    expect(sent()).toHaveLength(channel.answered.length);
    for (const message of sent()) {
      expect(message).toMatchObject({
        channel: id === 'messenger' ? 'messenger' : 'instagram',
        to: channel.customer,
      });
      expect(message.messagingType).toBe('RESPONSE');
    }
    expect(await inboundCount()).toBe(channel.answered.length);
    await eventually(() => world.graph.senderActions().some((action) => action.action === 'typing_on'));
    expect(world.graph.senderActions()[0]).toEqual({ to: channel.customer, action: 'mark_seen' });
  });

  it('stores and answers a message delivered three times, two of them concurrently, once', async () => {
    const raw = body(channel.object, channel.accountId, [[messageFrom(channel, 'mid.dup1', 'hello')]]);
    const first = await post(raw);
    const concurrent = await Promise.all([post(raw), post(raw)]);
    expect([first, ...concurrent].map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(first.json()).toMatchObject({ stored: 1, duplicates: 0 });
    await eventually(() => sent().length === 1);
    await world.settled();
    expect(await inboundCount()).toBe(1);
    expect(sent()).toHaveLength(1);
  });

  it('answers each message of a batch of several entries once, and nothing again when the batch is redelivered', async () => {
    const second = `${channel.customer.slice(0, -1)}2`;
    const raw = body(channel.object, channel.accountId, [
      [messageFrom(channel, 'mid.b1', 'one'), messageFrom(channel, 'mid.b2', 'two', second)],
      [messageFrom(channel, 'mid.b3', 'three'), messageFrom(channel, 'mid.b4', 'four', second)],
    ]);
    expect((await post(raw)).json()).toMatchObject({ stored: 4, duplicates: 0 });
    await eventually(() => sent().length === 4);
    await world.settled();
    expect((await post(raw)).json()).toMatchObject({ stored: 0, duplicates: 4 });
    await world.settled();
    expect(sent()).toHaveLength(4);
    expect(sent().filter((message) => message.to === second)).toHaveLength(2);
  });

  it('refuses a missing, wrong or replayed signature with 401 and stores nothing', async () => {
    const raw = body(channel.object, channel.accountId, [[messageFrom(channel, 'mid.sig', 'hi')]]);
    const other = body(channel.object, channel.accountId, [[messageFrom(channel, 'mid.other', 'other')]]);
    const wrongSecret = channel.appSecret === FAKE_APP_SECRET ? FAKE_INSTAGRAM_APP_SECRET : FAKE_APP_SECRET;
    const responses = [
      await world.post(id, raw, undefined),
      await post(raw, wrongSecret),
      await world.post(id, raw, undefined, {
        'x-hub-signature-256': metaSignature(other, channel.appSecret),
      }),
    ];
    for (const response of responses) {
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toBe('SIGNATURE_INVALID');
    }
    expect(await inboundCount()).toBe(0);
    expect(await world.store.db.job.count()).toBe(0);
  });

  it('answers a malformed body with 400, and keeps the valid messages beside a bad one', async () => {
    const junk = await post('not json at all');
    expect(junk.statusCode).toBe(400);
    expect(junk.json()).toMatchObject({ error: 'MALFORMED_PAYLOAD' });
    const raw = body(channel.object, channel.accountId, [
      [{ sender: { id: channel.customer }, timestamp: 1, message: { text: 'no mid, no recipient' } }],
      [messageFrom(channel, 'mid.good', 'fine')],
    ]);
    const partlyBad = await post(raw);
    expect(partlyBad.statusCode).toBe(200);
    expect(partlyBad.json()).toMatchObject({ stored: 1 });
    await eventually(() => sent().length === 1);
  });

  it('splits a 5,000-character reply into pieces within the limit that arrive in order', async () => {
    await post(body(channel.object, channel.accountId, [[messageFrom(channel, 'mid.long', 'hi')]]));
    await eventually(() => sent().length === 1);
    const sentences = Array.from({ length: 140 }, (_, index) => `Sentence number ${index} of a long answer.`);
    const text = sentences.join(' ').slice(0, 5000);
    await world.reply(channel.adapter, text, 'long-reply');
    const pieces = sent().slice(1);
    expect(pieces.length).toBeGreaterThanOrEqual(Math.ceil(5000 / channel.limit));
    for (const piece of pieces) expect(channel.size(piece.text!)).toBeLessThanOrEqual(channel.limit);
    expect(pieces.map((piece) => piece.text).join(' ')).toBe(text);
  });

  it("holds the agent's reply after 24 hours, tags a staff reply within 7 days, and holds a staff reply after that", async () => {
    await post(body(channel.object, channel.accountId, [[messageFrom(channel, 'mid.win', 'hello')]]));
    await eventually(() => sent().length === 1);
    await world.settled();
    await world.ageInbound(25);

    await world.reply(channel.adapter, 'An answer that comes too late.', 'agent-late');
    expect(sent()).toHaveLength(1);
    const held = (await world.transcript()).find((item) => item.text === 'An answer that comes too late.');
    expect(held).toMatchObject({ status: 'needs_template' });

    await world.reply(channel.adapter, 'Staff here, sorry for the wait.', 'staff-late', 'staff');
    expect(sent().at(-1)).toMatchObject({
      text: 'Staff here, sorry for the wait.',
      messagingType: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
    });

    await world.ageInbound(24 * 7);
    await world.reply(channel.adapter, 'Staff again, a week later.', 'staff-too-late', 'staff');
    expect(sent()).toHaveLength(2);
    const heldStaff = (await world.transcript()).find((item) => item.text === 'Staff again, a week later.');
    expect(heldStaff).toMatchObject({ status: 'needs_template' });
  });

  it('updates the status of our message from its receipt', async () => {
    await post(body(channel.object, channel.accountId, [[messageFrom(channel, 'mid.rcpt', 'hi')]]));
    await eventually(() => sent().length === 1);
    await world.settled();
    const mid = sent()[0]!.id;
    const receipt = channel.receipt(mid);
    expect((await post(receipt.body)).statusCode).toBe(200);
    const outbound = await world.store.db.message.findFirstOrThrow({ where: { providerMessageId: mid } });
    expect(outbound.status).toBe(receipt.status);
  });

  it('waits out a 429 with its Retry-After and delivers once', async () => {
    const isText = (request: Record<string, unknown>) => request.message !== undefined;
    world.graph.fail(
      channel.sendPath,
      [{ status: 429, headers: { 'retry-after': '1' } }, { status: 500 }],
      isText,
    );
    await post(body(channel.object, channel.accountId, [[messageFrom(channel, 'mid.rl', 'hi')]]));
    const attempts = () =>
      world.graph.calls.filter((call) => call.path === channel.sendPath && isText(call.body)).length;
    await eventually(() => attempts() >= 1);
    const firstAttemptAt = Date.now();
    await eventually(() => attempts() >= 2, 5_000);
    expect(Date.now() - firstAttemptAt).toBeGreaterThanOrEqual(900);
    await eventually(() => sent().length === 1, 10_000);
    await world.settled();
    expect(attempts()).toBe(3);
    expect(sent()).toHaveLength(1);
  });

  it("answers Meta's subscription handshake with the plain challenge, and 403 for a wrong token", async () => {
    const handshake = (token: string) =>
      world.gateway.app.inject({
        method: 'GET',
        url: `/webhook/${id}/${world.tenant.slug}?hub.mode=subscribe&hub.challenge=2009871234&hub.verify_token=${token}`,
      });
    const accepted = await handshake('fake-verify-token-2026');
    expect(accepted.statusCode).toBe(200);
    expect(accepted.body).toBe('2009871234');
    expect((await handshake('wrong')).statusCode).toBe(403);
  });

  it('appears in the catalog, passes its test against Meta, and says why it fails without an app secret', async () => {
    const call = (method: 'GET' | 'POST', url: string) =>
      world.gateway.request({ method, url: `/admin/connector-hub${url}`, token: world.tenant.apiToken });
    const entry = () =>
      call('GET', '/catalog').then(
        (response) =>
          response.json<{ items: Array<Record<string, unknown>> }>().items.find((item) => item.id === id)!,
      );
    expect(await entry()).toMatchObject({ category: 'messaging', status: 'connected' });
    expect((await call('GET', `/${id}/setup-docs?lang=en`)).json().markdown).toContain(`/webhook/${id}/`);
    expect((await call('POST', `/${id}/test`)).json()).toMatchObject({ ok: true });
    if (id === 'messenger') expect(world.graph.subscriptions().has(FAKE_PAGE.pageId)).toBe(true);

    const saved = await world.configure(id, { app_secret: '' });
    expect(saved).toMatchObject({
      status: 'error',
      statusDetail: expect.stringContaining('app_secret is not set'),
    });
    expect(await entry()).toMatchObject({ status: 'error' });
    expect((await call('POST', `/${id}/test`)).json()).toMatchObject({
      ok: false,
      detail: expect.stringContaining('app_secret is not set'),
    });
    const refused = await post(
      body(channel.object, channel.accountId, [[messageFrom(channel, 'mid.x', 'hi')]]),
    );
    expect(refused.statusCode).toBe(401);
  });
});
