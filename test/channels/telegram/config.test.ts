import { describe, expect, it } from 'vitest';
import { prepareTelegramConfig, telegramConnector } from '../../../src/channels/telegram/config.ts';
import { AppError } from '../../../src/core/errors.ts';

const token = '7000000001:fake-token_for-tests';

function preparationError(values: Record<string, string>): AppError {
  try {
    prepareTelegramConfig(values);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('prepareConfig accepted invalid values');
}

describe('connector definition', () => {
  it('asks for a secret bot token, an optional secret webhook secret and a plain admin chat id', () => {
    expect(telegramConnector).toMatchObject({ id: 'telegram', name: 'Telegram', category: 'messaging' });
    const fields = telegramConnector.fields.map(({ key, required, secret }) => ({ key, required, secret }));
    expect(fields).toEqual([
      { key: 'bot_token', required: true, secret: true },
      { key: 'webhook_secret', required: false, secret: true },
      { key: 'admin_chat_id', required: false, secret: false },
    ]);
  });

  it.each(['en', 'de'] as const)(
    'documents setup in %s: BotFather, the webhook path and the test',
    (language) => {
      const docs = telegramConnector.docs[language];
      expect(docs).toContain('@BotFather');
      expect(docs).toContain('/webhook/telegram/');
      expect(docs).toContain('@userinfobot');
      expect(docs).toContain(language === 'en' ? '**Test**' : '**Testen**');
    },
  );
});

describe('prepareConfig', () => {
  it('generates a webhook secret Telegram accepts when none is given', () => {
    const prepared = prepareTelegramConfig({ bot_token: token });
    expect(prepared.webhook_secret).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    expect(prepared.bot_token).toBe(token);
  });

  it('generates a different secret each time', () => {
    const first = prepareTelegramConfig({ bot_token: token }).webhook_secret;
    const second = prepareTelegramConfig({ bot_token: token }).webhook_secret;
    expect(first).not.toBe(second);
  });

  it('replaces an empty secret and leaves the input object unchanged', () => {
    const input = { bot_token: token, webhook_secret: '' };
    const prepared = prepareTelegramConfig(input);
    expect(prepared.webhook_secret).not.toBe('');
    expect(input.webhook_secret).toBe('');
  });

  it('keeps a secret staff entered', () => {
    const values = { bot_token: token, webhook_secret: 'my_own-Secret1', admin_chat_id: '-1001000000001' };
    expect(prepareTelegramConfig(values)).toEqual(values);
  });

  it.each([
    ['a secret with a space', { bot_token: token, webhook_secret: 'has space' }, 'webhook_secret'],
    ['a secret over 256 characters', { bot_token: token, webhook_secret: 'a'.repeat(257) }, 'webhook_secret'],
    ['a token without the bot id', { bot_token: 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' }, 'bot_token'],
    ['a token with a slash', { bot_token: '123:abc/def' }, 'bot_token'],
    ['a chat id that is not a number', { bot_token: token, admin_chat_id: '@ada_test' }, 'admin_chat_id'],
  ])('rejects %s naming the field', (_name, values, field) => {
    const error = preparationError(values);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(field);
  });
});
