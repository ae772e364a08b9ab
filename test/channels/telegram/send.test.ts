import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendTelegramMessage, showTelegramTyping } from '../../../src/channels/telegram/send.ts';
import type { SendContext, SendResult } from '../../../src/channels/types.ts';
import type { AppError } from '../../../src/core/errors.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../../fakes/telegram-api.ts';
import { environmentFor } from './fixtures.ts';

const chatId = '5550000001';
let fake: FakeTelegram;
let context: SendContext;

beforeEach(async () => {
  fake = await startFakeTelegram();
  context = {
    config: { bot_token: FAKE_BOT_TOKEN, webhook_secret: 'secret' },
    environment: environmentFor(fake.apiRoot),
  };
});

afterEach(async () => {
  vi.useRealTimers();
  await fake.close();
});

function failureOf(result: SendResult): AppError {
  if (result.outcome !== 'failed') throw new Error(`expected a failed send, got ${JSON.stringify(result)}`);
  return result.error;
}

/** Everything an error could show a log or an API client. */
function everythingShown(error: AppError): string {
  return [error.message, JSON.stringify(error), String(error.cause), error.stack].join('\n');
}

/** An apiRoot on which nothing listens. */
async function closedApiRoot(): Promise<string> {
  const closed = await startFakeTelegram();
  await closed.close();
  return closed.apiRoot;
}

describe('sending', () => {
  it('sends the text and returns chat and message id as the provider message id', async () => {
    const result = await sendTelegramMessage({ chatId, text: 'Your order ships today.' }, context);
    expect(result).toEqual({ outcome: 'sent', providerMessageId: `${chatId}:100001` });
    expect(fake.sent()).toEqual([{ chat_id: chatId, text: 'Your order ships today.', message_id: 100001 }]);
    // Plain text: a parse mode would make Telegram reject texts with stray markup characters.
    expect(fake.calls[0]?.body).toEqual({ chat_id: chatId, text: 'Your order ships today.' });
  });

  it('returns the id Telegram assigned for each message', async () => {
    await sendTelegramMessage({ chatId, text: 'one' }, context);
    const second = await sendTelegramMessage({ chatId, text: 'two' }, context);
    const otherChat = await sendTelegramMessage({ chatId: '-1001000000001', text: 'three' }, context);
    expect(second).toEqual({ outcome: 'sent', providerMessageId: `${chatId}:100002` });
    expect(otherChat).toEqual({ outcome: 'sent', providerMessageId: '-1001000000001:100001' });
  });

  it('accepts a text of exactly 4096 characters', async () => {
    const result = await sendTelegramMessage({ chatId, text: 'a'.repeat(4096) }, context);
    expect(result.outcome).toBe('sent');
  });

  it.each([
    ['longer than 4096 characters', 'a'.repeat(4097), '4097 characters'],
    ['empty', '  ', 'empty'],
  ])('refuses a text %s without calling Telegram', async (_name, text, expected) => {
    const error = failureOf(await sendTelegramMessage({ chatId, text }, context));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(expected);
    expect(fake.calls).toEqual([]);
  });

  it.each([
    ['is missing', {}, 'bot_token is not set'],
    ['would change the URL path', { bot_token: '7000000001:x/../../setWebhook' }, 'bot_token must look like'],
  ])('fails without calling Telegram when the token %s', async (_name, config, expected) => {
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, { ...context, config }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(expected);
    expect(fake.calls).toEqual([]);
  });
});

describe('answering button presses', () => {
  const pressed = { providerMessageId: 'callback:4382000000000000001', kind: 'interactive' };

  it('answers the callback query before sending the reply', async () => {
    const result = await sendTelegramMessage({ chatId, text: '10:00 it is.', inReplyTo: pressed }, context);
    expect(result.outcome).toBe('sent');
    expect(fake.calls.map((call) => call.method)).toEqual(['answerCallbackQuery', 'sendMessage']);
    expect(fake.calls[0]?.body).toEqual({ callback_query_id: '4382000000000000001' });
  });

  it('still sends the reply when answering the query fails', async () => {
    fake.fail('answerCallbackQuery', [{ status: 400, description: 'Bad Request: query is too old' }]);
    const result = await sendTelegramMessage({ chatId, text: '10:00 it is.', inReplyTo: pressed }, context);
    expect(result.outcome).toBe('sent');
    expect(fake.sent()).toHaveLength(1);
  });

  it('answers no query when replying to an ordinary message', async () => {
    const inReplyTo = { providerMessageId: `${chatId}:11`, kind: 'text' };
    await sendTelegramMessage({ chatId, text: 'Hello!', inReplyTo }, context);
    expect(fake.calls.map((call) => call.method)).toEqual(['sendMessage']);
  });
});

describe('failures', () => {
  it('maps 429 to a retryable rate limit carrying retry_after in milliseconds', async () => {
    fake.fail('sendMessage', [
      { status: 429, description: 'Too Many Requests: retry after 7', retryAfter: 7 },
    ]);
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, context));
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    expect(fake.sent()).toEqual([]);
  });

  it('maps a 500 to retryable PROVIDER_UNAVAILABLE', async () => {
    fake.fail('sendMessage', [{ status: 500 }]);
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, context));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });

  it('maps a blocked bot (403) to PROVIDER_REJECTED that names the block and is not retried', async () => {
    fake.fail('sendMessage', [{ status: 403, description: 'Forbidden: bot was blocked by the user' }]);
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, context));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('bot was blocked by the user');
  });

  it('maps a 400 to PROVIDER_REJECTED', async () => {
    fake.fail('sendMessage', [{ status: 400, description: 'Bad Request: chat not found' }]);
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, context));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.message).toContain('chat not found');
  });

  it('maps an unknown token (401) to PROVIDER_REJECTED without showing the token', async () => {
    const revoked = '7000000001:revoked-token';
    const error = failureOf(
      await sendTelegramMessage({ chatId, text: 'hi' }, { ...context, config: { bot_token: revoked } }),
    );
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.message).toContain('401');
    expect(everythingShown(error)).not.toContain(revoked);
  });

  it('maps a refused connection to retryable NETWORK_ERROR', async () => {
    const environment = environmentFor(await closedApiRoot());
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, { ...context, environment }));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
    expect(everythingShown(error)).not.toContain(FAKE_BOT_TOKEN);
  });

  it('maps a connection dropped without an answer to NETWORK_ERROR', async () => {
    fake.fail('sendMessage', [{ status: 0 }]);
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, context));
    expect(error.code).toBe('NETWORK_ERROR');
  });

  it('scrubs the token from a network error that quotes the request URL', async () => {
    // node-fetch, grammY's default, words its errors like this, URL and token included.
    const leakyFetch: typeof fetch = async (input) => {
      throw new Error(`request to ${String(input)} failed, reason: connect ECONNRESET`);
    };
    const environment = environmentFor(fake.apiRoot, leakyFetch);
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, { ...context, environment }));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toContain('ECONNRESET');
    expect(error.message).toContain('/bot<bot-token>/sendMessage');
    expect(everythingShown(error)).not.toContain(FAKE_BOT_TOKEN);
  });

  it('maps an answer that is not JSON (a proxy error page) to PROVIDER_UNAVAILABLE', async () => {
    const proxyPage: typeof fetch = async () => new Response('<html>502 Bad Gateway</html>', { status: 502 });
    const environment = environmentFor(fake.apiRoot, proxyPage);
    const error = failureOf(await sendTelegramMessage({ chatId, text: 'hi' }, { ...context, environment }));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('gives up after 15 seconds instead of waiting for a hung connection', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // Never answers; only grammY's timeout, through the abort signal, ends the request.
    const hangingFetch: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const environment = environmentFor(fake.apiRoot, hangingFetch);
    let settled: SendResult | undefined;
    const sending = sendTelegramMessage({ chatId, text: 'hi' }, { ...context, environment }).then(
      (result) => {
        settled = result;
        return result;
      },
    );
    await vi.advanceTimersByTimeAsync(14_900);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    const error = failureOf(await sending);
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toContain('timed out after 15 seconds');
  });
});

describe('typing indicator', () => {
  it('sends the typing chat action', async () => {
    await showTelegramTyping(chatId, context);
    expect(fake.calls).toEqual([
      { token: FAKE_BOT_TOKEN, method: 'sendChatAction', body: { chat_id: chatId, action: 'typing' } },
    ]);
  });

  it('swallows a failure from Telegram', async () => {
    fake.fail('sendChatAction', [{ status: 500 }]);
    await expect(showTelegramTyping(chatId, context)).resolves.toBeUndefined();
    expect(fake.calls).toHaveLength(1);
  });

  it('swallows an unreachable Telegram and a missing token', async () => {
    const environment = environmentFor(await closedApiRoot());
    await expect(showTelegramTyping(chatId, { ...context, environment })).resolves.toBeUndefined();
    await expect(showTelegramTyping(chatId, { ...context, config: {} })).resolves.toBeUndefined();
  });
});
