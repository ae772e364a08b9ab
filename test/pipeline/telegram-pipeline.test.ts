import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { telegramAdapter } from '../../src/channels/telegram/adapter.ts';
import { enqueueReply, splitterFor } from '../../src/dispatcher/outbox.ts';
import { sqlOf } from '../../src/store/sql.ts';
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

describe('Telegram end to end', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let gateway: TestGateway;
  let tenant: TestTenant;
  let secret: string;

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    gateway = await startTestGateway({ store, telegram });
    tenant = await gateway.createTenant('bakery');
    secret = await gateway.configureTelegram(tenant);
  });

  afterEach(async () => {
    await gateway.close();
    await telegram.close();
    await store.dispose();
  });

  const inboundCount = () => store.db.message.count({ where: { direction: 'inbound' } });
  const settled = () => queueSettled(store.db);

  /** Records a reply the way the respond job does, and lets the worker deliver it. */
  async function recordReply(text: string, idempotencyKey: string): Promise<void> {
    const conversation = await store.db.conversation.findFirstOrThrow();
    await sqlOf(store.db).transaction((tx) =>
      enqueueReply(tx, {
        tenantId: tenant.id,
        conversationId: conversation.id,
        channel: 'telegram',
        text,
        idempotencyKey,
        split: splitterFor(telegramAdapter),
        maxAttempts: 4,
        nowMs: Date.now(),
      }),
    );
    gateway.app.worker?.wake();
    await settled();
  }

  it('answers a text message once, on the chat it came from, in the language it was written in', async () => {
    const response = await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 1, messageId: 11, chatId: 5550000001, text: 'Hallo, habt ihr heute offen?' }),
      secret,
    );
    expect(response.statusCode).toBe(200);
    const reply = await eventually(() => telegram.sent()[0]);
    expect(reply!.chat_id).toBe('5550000001');
    expect(reply!.text).toMatch(/^Hallo Ada!/);
    expect(
      telegram.calls.some((call) => call.method === 'sendChatAction' && call.body.action === 'typing'),
    ).toBe(true);
    await settled();
    expect(telegram.sent()).toHaveLength(1);
    const outbound = await store.db.message.findFirstOrThrow({ where: { direction: 'outbound' } });
    expect(outbound.status).toBe('sent');
    expect(outbound.providerMessageId).toBe(`5550000001:${reply!.message_id}`);
  });

  it('stores and answers an update delivered three times, two of them concurrently, exactly once', async () => {
    const update = textUpdate({ updateId: 7, messageId: 21, chatId: 5550000002, text: 'hello' });
    const first = await gateway.postUpdate(tenant.slug, update, secret);
    const concurrent = await Promise.all([
      gateway.postUpdate(tenant.slug, update, secret),
      gateway.postUpdate(tenant.slug, update, secret),
    ]);
    expect([first, ...concurrent].map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(first.json()).toMatchObject({ stored: 1, duplicates: 0 });
    expect(concurrent.map((response) => response.json().duplicates)).toEqual([1, 1]);
    await eventually(() => telegram.sent().length === 1);
    await settled();
    expect(await inboundCount()).toBe(1);
    expect(telegram.sent()).toHaveLength(1);
  });

  it('also dedupes a burst of concurrent first deliveries', async () => {
    const update = textUpdate({ updateId: 8, messageId: 22, chatId: 5550000003, text: 'hi there' });
    const responses = await Promise.all([1, 2, 3].map(() => gateway.postUpdate(tenant.slug, update, secret)));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(responses.reduce((sum, response) => sum + response.json().stored, 0)).toBe(1);
    await eventually(() => telegram.sent().length === 1);
    await settled();
    expect(telegram.sent()).toHaveLength(1);
  });

  it('rejects a missing or wrong secret with 401 and stores nothing', async () => {
    const update = textUpdate({ updateId: 9, messageId: 23, chatId: 5550000004, text: 'hi' });
    const missing = await gateway.postUpdate(tenant.slug, update, undefined);
    const wrong = await gateway.postUpdate(tenant.slug, update, `${secret}x`);
    for (const response of [missing, wrong]) {
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toBe('SIGNATURE_INVALID');
    }
    expect(await inboundCount()).toBe(0);
    expect(await store.db.contact.count()).toBe(0);
    expect(await store.db.job.count()).toBe(0);
  });

  it('honours retry_after on 429, retries 5xx, and delivers once', async () => {
    telegram.fail('sendMessage', [{ status: 429, retryAfter: 1 }, { status: 500 }, { status: 502 }]);
    await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 10, messageId: 24, chatId: 5550000005, text: 'hi' }),
      secret,
    );
    const attempts = () => telegram.calls.filter((call) => call.method === 'sendMessage').length;
    await eventually(() => attempts() >= 1);
    const firstAttemptAt = Date.now();
    await eventually(() => attempts() >= 2, 5_000);
    // retry_after: 1 second; the retry must not come sooner (allowing for polling granularity).
    expect(Date.now() - firstAttemptAt).toBeGreaterThanOrEqual(900);
    await eventually(() => telegram.sent().length === 1, 5_000);
    await settled();
    expect(attempts()).toBe(4);
    expect(telegram.sent()).toHaveLength(1);
    const outbox = await store.db.outboxMessage.findFirstOrThrow();
    expect(outbox).toMatchObject({ status: 'sent', attempts: 4 });
  });

  it('dead-letters the reply after the last attempt and shows it in the transcript', async () => {
    telegram.fail('sendMessage', [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }]);
    await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 11, messageId: 25, chatId: 5550000006, text: 'hi' }),
      secret,
    );
    await settled();
    expect(telegram.sent()).toHaveLength(0);
    expect(await store.db.outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'dead', attempts: 4 });
    expect(await store.db.job.count({ where: { kind: 'deliver', status: 'dead' } })).toBe(1);

    const conversations = await gateway.request({
      method: 'GET',
      url: '/admin/conversations',
      token: tenant.apiToken,
    });
    const conversationId = conversations.json().items[0].id;
    const transcript = await gateway.request({
      method: 'GET',
      url: `/admin/conversations/${conversationId}/messages`,
      token: tenant.apiToken,
    });
    const outbound = transcript
      .json()
      .items.find((item: { direction: string }) => item.direction === 'outbound');
    expect(outbound.status).toBe('failed');
    expect(outbound.error).toMatch(/dead-lettered after 4 attempt/);
  });

  it('does not retry a permanent rejection such as a blocked bot', async () => {
    telegram.fail('sendMessage', [{ status: 403, description: 'Forbidden: bot was blocked by the user' }]);
    await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 12, messageId: 26, chatId: 5550000007, text: 'hi' }),
      secret,
    );
    await settled();
    expect(telegram.calls.filter((call) => call.method === 'sendMessage')).toHaveLength(1);
    expect(await store.db.outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'dead', attempts: 1 });
  });

  it('applies an edit to the stored message, keeps the earlier text, and does not answer again', async () => {
    const update = textUpdate({
      updateId: 13,
      messageId: 27,
      chatId: 5550000008,
      text: 'I want to book on Monday',
    });
    await gateway.postUpdate(tenant.slug, update, secret);
    await eventually(() => telegram.sent().length === 1);
    const edit = {
      update_id: 14,
      edited_message: { ...update.message, text: 'I want to book on Tuesday', edit_date: 1767268900 },
    };
    expect((await gateway.postUpdate(tenant.slug, edit, secret)).statusCode).toBe(200);
    expect((await gateway.postUpdate(tenant.slug, edit, secret)).statusCode).toBe(200);
    await settled();
    const message = await store.db.message.findFirstOrThrow({
      where: { direction: 'inbound' },
      include: { edits: true },
    });
    expect(message.text).toBe('I want to book on Tuesday');
    expect(message.edits.map((entry) => entry.text)).toEqual(['I want to book on Monday']);
    expect(telegram.sent()).toHaveLength(1);
  });

  it('records that a contact blocked the bot, and sends nothing to them afterwards', async () => {
    const chatId = 5550000009;
    await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 15, messageId: 28, chatId, text: 'hi' }),
      secret,
    );
    await eventually(() => telegram.sent().length === 1);
    await settled();
    const blocked = {
      update_id: 16,
      my_chat_member: {
        chat: { id: chatId, first_name: 'Ada', type: 'private' },
        from: { id: chatId, is_bot: false, first_name: 'Ada' },
        date: 1767269400,
        old_chat_member: { user: { id: 7000000001, is_bot: true, first_name: 'Bot' }, status: 'member' },
        new_chat_member: {
          user: { id: 7000000001, is_bot: true, first_name: 'Bot' },
          status: 'kicked',
          until_date: 0,
        },
      },
    };
    expect((await gateway.postUpdate(tenant.slug, blocked, secret)).statusCode).toBe(200);
    const contact = await store.db.contact.findFirstOrThrow();
    expect(contact.optedOut).toBe(true);

    await recordReply('a follow-up nobody should receive', 'follow-up');
    expect(telegram.sent()).toHaveLength(1);
    expect(
      await store.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: 'follow-up' } }),
    ).toMatchObject({
      status: 'suppressed',
    });
  });

  it('splits a reply longer than 4096 characters and delivers the pieces in order', async () => {
    await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 17, messageId: 29, chatId: 5550000010, text: 'hi' }),
      secret,
    );
    await eventually(() => telegram.sent().length === 1);
    const sentences = Array.from({ length: 120 }, (_, index) => `Sentence number ${index} of a long answer.`);
    const text = sentences.join(' ');
    expect(text.length).toBeGreaterThan(4096);
    await recordReply(text, 'long-reply');
    const pieces = telegram.sent().slice(1);
    expect(pieces.length).toBe(Math.ceil(text.length / 4096));
    for (const piece of pieces) expect(piece.text.length).toBeLessThanOrEqual(4096);
    expect(pieces.map((piece) => piece.text).join(' ')).toBe(text);
  });

  it('drains in-flight work on graceful shutdown', async () => {
    telegram.delay('sendMessage', 400);
    await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 18, messageId: 30, chatId: 5550000011, text: 'hi' }),
      secret,
    );
    await eventually(() => telegram.calls.some((call) => call.method === 'sendMessage'));
    await gateway.close();
    expect(await store.db.outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'sent' });
  });
});
