import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { telegramAdapter } from '../../../src/channels/telegram/adapter.ts';
import { checkTelegramConnection, setupTelegramWebhook } from '../../../src/channels/telegram/setup.ts';
import type { SetupContext } from '../../../src/channels/types.ts';
import { AppError } from '../../../src/core/errors.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../../fakes/telegram-api.ts';
import { environmentFor, fixtureRequest } from './fixtures.ts';

const webhookUrl = 'https://gateway.example.com/webhook/telegram/acme';
let fake: FakeTelegram;
let context: SetupContext;

beforeEach(async () => {
  fake = await startFakeTelegram();
  context = {
    config: { bot_token: FAKE_BOT_TOKEN, webhook_secret: 'tg-secret_Test-0001' },
    environment: environmentFor(fake.apiRoot),
    tenantSlug: 'acme',
    webhookUrl,
  };
});

afterEach(async () => {
  await fake.close();
});

async function setupFailure(setupContext: SetupContext): Promise<AppError> {
  const error = await setupTelegramWebhook(setupContext).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('setup', () => {
  it('registers the webhook with its secret and the handled update types', async () => {
    await setupTelegramWebhook(context);
    const setWebhook = fake.calls.find((call) => call.method === 'setWebhook');
    expect(setWebhook).toEqual({
      token: FAKE_BOT_TOKEN,
      method: 'setWebhook',
      body: {
        url: webhookUrl,
        secret_token: 'tg-secret_Test-0001',
        allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
      },
    });
  });

  it('stores the bot identity that parse needs for groups', async () => {
    await expect(setupTelegramWebhook(context)).resolves.toEqual({
      values: { bot_username: 'gateway_test_bot', bot_id: '7000000001' },
    });
    expect(fake.calls.map((call) => call.method)).toEqual(['setWebhook', 'getMe']);
  });

  it('reports a token Telegram does not know as PROVIDER_REJECTED with advice and without the token', async () => {
    const wrongToken = '7000000001:not-the-right-one';
    const error = await setupFailure({ ...context, config: { ...context.config, bot_token: wrongToken } });
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.message).toContain('registering the webhook failed');
    expect(error.message).toContain('BotFather');
    expect(`${error.message} ${JSON.stringify(error)} ${error.stack}`).not.toContain(wrongToken);
  });

  it('reports Telegram failing to register the webhook as retryable PROVIDER_UNAVAILABLE', async () => {
    fake.fail('setWebhook', [{ status: 502 }]);
    const error = await setupFailure(context);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('registering the webhook failed');
  });

  it('names the profile step when getMe fails after the webhook was set', async () => {
    fake.fail('getMe', [{ status: 429, retryAfter: 3 }]);
    const error = await setupFailure(context);
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.retryAfterMs).toBe(3000);
    expect(error.message).toContain('reading the bot profile failed');
  });

  it('reports an unreachable Telegram as NETWORK_ERROR', async () => {
    const closed = await startFakeTelegram();
    await closed.close();
    const error = await setupFailure({ ...context, environment: environmentFor(closed.apiRoot) });
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).not.toContain(FAKE_BOT_TOKEN);
  });

  it('refuses to register a webhook without a secret, which would lock every update out', async () => {
    const error = await setupFailure({ ...context, config: { bot_token: FAKE_BOT_TOKEN } });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('webhook_secret');
    expect(fake.calls).toEqual([]);
  });

  it('lets the secret it registered pass verification of the updates that follow', async () => {
    const config = telegramAdapter.prepareConfig!({ bot_token: FAKE_BOT_TOKEN });
    await setupTelegramWebhook({ ...context, config });
    const registered = fake.calls.find((call) => call.method === 'setWebhook')?.body.secret_token;
    expect(typeof registered).toBe('string');
    const request = fixtureRequest('message_text_command', {
      'x-telegram-bot-api-secret-token': String(registered),
    });
    expect(telegramAdapter.verify(request, config)).toEqual({ ok: true });
  });
});

describe('test connection', () => {
  it('shows the bot username', async () => {
    await expect(checkTelegramConnection(context)).resolves.toEqual({
      ok: true,
      detail: '@gateway_test_bot',
    });
    expect(fake.calls.map((call) => call.method)).toEqual(['getMe']);
  });

  it('reports a wrong token without showing it', async () => {
    const wrongToken = '7000000001:not-the-right-one';
    const check = await checkTelegramConnection({ ...context, config: { bot_token: wrongToken } });
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('BotFather');
    expect(check.detail).not.toContain(wrongToken);
  });

  it('reports an unreachable Telegram', async () => {
    const closed = await startFakeTelegram();
    await closed.close();
    const check = await checkTelegramConnection({ ...context, environment: environmentFor(closed.apiRoot) });
    expect(check).toEqual({ ok: false, detail: expect.stringContaining('could not reach Telegram') });
  });

  it('reports a missing token without calling Telegram', async () => {
    await expect(checkTelegramConnection({ ...context, config: {} })).resolves.toEqual({
      ok: false,
      detail: 'bot_token is not set',
    });
    expect(fake.calls).toEqual([]);
  });
});
