import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../../fakes/telegram-api.ts';
import { eventually } from '../../support/gateway.ts';

/** The fake is shared by other suites (and other processes), so its wire format is pinned here. */
let fake: FakeTelegram;

beforeEach(async () => {
  fake = await startFakeTelegram({ tokens: [FAKE_BOT_TOKEN], botUsername: 'acme_support_bot' });
});

afterEach(async () => {
  await fake.close();
});

async function call(
  method: string,
  body: unknown,
  token = FAKE_BOT_TOKEN,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${fake.apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('fake Telegram Bot API', () => {
  it('answers getMe with the bot id from the token and the configured username', async () => {
    expect(await call('getMe', {})).toEqual({
      status: 200,
      json: {
        ok: true,
        result: expect.objectContaining({ id: 7000000001, is_bot: true, username: 'acme_support_bot' }),
      },
    });
  });

  it('answers an unknown token with 401 Unauthorized', async () => {
    expect(await call('getMe', {}, '1:unknown')).toEqual({
      status: 401,
      json: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
  });

  it('answers an unknown method with 404', async () => {
    expect((await call('sendPigeon', {})).status).toBe(404);
  });

  it('counts message ids per chat', async () => {
    await call('sendMessage', { chat_id: 1, text: 'a' });
    await call('sendMessage', { chat_id: 2, text: 'b' });
    const third = await call('sendMessage', { chat_id: 1, text: 'c' });
    expect(third.json).toMatchObject({
      ok: true,
      result: { message_id: 100002, chat: { id: 1 }, text: 'c' },
    });
    expect(fake.sent().map((message) => [message.chat_id, message.message_id])).toEqual([
      ['1', 100001],
      ['2', 100001],
      ['1', 100002],
    ]);
  });

  it('rejects an empty text as Telegram does', async () => {
    expect(await call('sendMessage', { chat_id: 1, text: '' })).toMatchObject({
      status: 400,
      json: { ok: false, description: 'Bad Request: message text is empty' },
    });
    expect(fake.sent()).toEqual([]);
  });

  it('decodes form-encoded bodies, including fields that hold JSON', async () => {
    const form = new URLSearchParams({ url: 'https://example.com/hook', allowed_updates: '["message"]' });
    const response = await fetch(`${fake.apiRoot}/bot${FAKE_BOT_TOKEN}/setWebhook`, {
      method: 'POST',
      body: form,
    });
    expect(response.status).toBe(200);
    expect(fake.calls[0]?.body).toEqual({ url: 'https://example.com/hook', allowed_updates: ['message'] });
  });

  it('plays scripted failures once each, in order, then answers normally', async () => {
    fake.fail('sendMessage', [{ status: 429, retryAfter: 5 }, { status: 500 }]);
    expect(await call('sendMessage', { chat_id: 1, text: 'a' })).toEqual({
      status: 429,
      json: { ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 5 } },
    });
    expect((await call('sendMessage', { chat_id: 1, text: 'a' })).status).toBe(500);
    expect((await call('sendMessage', { chat_id: 1, text: 'a' })).status).toBe(200);
    expect(fake.sent()).toHaveLength(1);
    expect(fake.calls).toHaveLength(3);
  });

  it('delivers a delayed message at once and answers late', async () => {
    // Long enough that a loaded machine sees the message before the answer.
    fake.delay('sendMessage', 2_000);
    const started = Date.now();
    let answered = false;
    const answer = call('sendMessage', { chat_id: 1, text: 'slow' }).finally(() => {
      answered = true;
    });
    await eventually(() => fake.sent().length === 1, 10_000, 'the message to arrive');
    expect(answered).toBe(false);
    expect((await answer).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_990);
  });
});
