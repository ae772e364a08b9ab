import { GrammyError, HttpError } from 'grammy';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGrammy } from '../../../src/channels/telegram/client.ts';
import { scrubToken, toTelegramError } from '../../../src/channels/telegram/errors.ts';

const token = '7000000001:fake-token_for-tests';

describe('scrubToken', () => {
  it('removes the known token wherever it appears', () => {
    expect(scrubToken(`token ${token} was revoked`, token)).toBe('token <bot-token> was revoked');
  });

  it('removes any token in the URL position, even one it was not told about', () => {
    const text = 'request to https://api.telegram.org/bot123:other-token/getMe failed';
    expect(scrubToken(text, undefined)).toBe(
      'request to https://api.telegram.org/bot<bot-token>/getMe failed',
    );
  });
});

describe('toTelegramError', () => {
  // In the gateway grammY's errors come from calls made through the loader, which loaded it.
  beforeAll(() => loadGrammy());

  it('treats a 429 without retry_after as a rate limit with no wait hint', () => {
    const error = toTelegramError(
      new GrammyError(
        "Call to 'sendMessage' failed!",
        { ok: false, error_code: 429, description: 'Too Many Requests' },
        'sendMessage',
        {},
      ),
      'sendMessage',
      token,
    );
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('keeps the token out of the message and attaches no cause that could carry it', () => {
    const cause = new Error(
      `request to http://127.0.0.1:9/bot${token}/sendMessage failed, reason: socket hang up`,
    );
    const error = toTelegramError(
      new HttpError("Network request for 'sendMessage' failed!", cause),
      'sendMessage',
      token,
    );
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toContain('socket hang up');
    expect(error.message).not.toContain(token);
    expect(error.cause).toBeUndefined();
  });

  it('maps an unexpected error to INTERNAL, scrubbed', () => {
    const error = toTelegramError(new Error(`boom with ${token}`), 'getMe', token);
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain(token);
  });
});
