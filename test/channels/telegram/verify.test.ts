import { describe, expect, it } from 'vitest';
import { verifyTelegramRequest } from '../../../src/channels/telegram/verify.ts';
import { fixtureRequest, loadFixture } from './fixtures.ts';

const authExample = loadFixture('auth_example') as {
  validRequestHeaders: Record<string, string>;
  invalidRequestHeaders: Array<Record<string, string>>;
  setWebhookRequest: { body: { secret_token: string } };
};
const secret = authExample.setWebhookRequest.body.secret_token;
const config = { bot_token: '7000000001:fake-token_for-tests', webhook_secret: secret };

function verifyWith(
  headers: Record<string, string | string[] | undefined>,
  values: Record<string, string> = config,
) {
  return verifyTelegramRequest(fixtureRequest('message_text_command', headers), values);
}

describe('secret token header', () => {
  it('accepts the secret that setWebhook registered', () => {
    expect(verifyWith(authExample.validRequestHeaders)).toEqual({ ok: true });
  });

  it('rejects a request without the header', () => {
    const [missing] = authExample.invalidRequestHeaders;
    const result = verifyWith(missing!);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ reason: expect.stringContaining('missing') });
  });

  it('follows a secret changed in the same configuration object, whose digest it keeps', () => {
    const values = { ...config };
    const header = 'x-telegram-bot-api-secret-token';
    expect(verifyWith({ [header]: secret }, values)).toEqual({ ok: true });
    values.webhook_secret = 'a-rotated-secret';
    expect(verifyWith({ [header]: secret }, values).ok).toBe(false);
    expect(verifyWith({ [header]: 'a-rotated-secret' }, values)).toEqual({ ok: true });
  });

  it('rejects a wrong secret of the same length', () => {
    const [, wrong] = authExample.invalidRequestHeaders;
    expect(wrong!['x-telegram-bot-api-secret-token']).toHaveLength(secret.length);
    const result = verifyWith(wrong!);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ reason: expect.stringContaining('wrong') });
  });

  it.each([
    ['a prefix of the secret', secret.slice(0, -1)],
    ['the secret with more appended', `${secret}x`],
    ['the secret in another case', secret.toUpperCase()],
    ['an empty value', ''],
  ])('rejects %s', (_name, value) => {
    expect(verifyWith({ 'x-telegram-bot-api-secret-token': value }).ok).toBe(false);
  });

  it('rejects the header sent twice, even with the right value', () => {
    expect(verifyWith({ 'x-telegram-bot-api-secret-token': [secret, secret] }).ok).toBe(false);
  });

  it.each([
    ['no webhook_secret', { bot_token: config.bot_token }],
    ['an empty webhook_secret', { bot_token: config.bot_token, webhook_secret: '' }],
  ])('accepts nothing when the configuration has %s', (_name, values) => {
    expect(verifyWith({ 'x-telegram-bot-api-secret-token': '' }, values).ok).toBe(false);
    expect(verifyWith({ 'x-telegram-bot-api-secret-token': secret }, values).ok).toBe(false);
    expect(verifyWith({}, values)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no webhook secret'),
    });
  });
});
