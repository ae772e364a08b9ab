import { describe, expect, it } from 'vitest';
import { answerMetaHandshake } from '../../../src/channels/meta/handshake.ts';
import { whatsappFixtures } from '../whatsapp/fixtures.ts';

const example = whatsappFixtures.json<{
  request: { url: string };
  wrongTokenRequest: { url: string };
  configuredVerifyToken: string;
  expectedResponse: { body: string };
}>('verify_subscription_get');

const config = {
  verify_token: example.configuredVerifyToken,
  app_secret: 'fake_meta_app_secret_0123456789ab',
};

function queryOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url, 'https://gateway.example.com').searchParams);
}

describe('Meta subscription handshake', () => {
  it('answers the challenge when the verify token matches', () => {
    expect(answerMetaHandshake(queryOf(example.request.url), config)).toEqual({
      ok: true,
      body: example.expectedResponse.body,
    });
  });

  it('refuses a wrong verify token', () => {
    expect(answerMetaHandshake(queryOf(example.wrongTokenRequest.url), config)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('hub.verify_token'),
    });
  });

  const valid = queryOf(example.request.url);
  it.each([
    ['a mode other than subscribe', { ...valid, 'hub.mode': 'unsubscribe' }, 'hub.mode'],
    ['no mode', { ...valid, 'hub.mode': undefined }, 'hub.mode'],
    ['no verify token', { ...valid, 'hub.verify_token': undefined }, 'hub.verify_token'],
    [
      'a prefix of the verify token',
      { ...valid, 'hub.verify_token': config.verify_token.slice(0, -1) },
      'hub.verify_token',
    ],
    ['no challenge', { ...valid, 'hub.challenge': undefined }, 'hub.challenge'],
    ['markup as the challenge', { ...valid, 'hub.challenge': '<script>alert(1)</script>' }, 'hub.challenge'],
  ])('refuses %s', (_name, query, reason) => {
    expect(answerMetaHandshake(query, config)).toMatchObject({
      ok: false,
      reason: expect.stringContaining(reason),
    });
  });

  it('refuses every request when no verify token is configured', () => {
    const result = answerMetaHandshake(
      { ...valid, 'hub.verify_token': '' },
      { app_secret: config.app_secret },
    );
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('no verify_token') });
  });

  it('refuses to subscribe a channel that has no app secret, since it would refuse every delivery', () => {
    const result = answerMetaHandshake(valid, { verify_token: config.verify_token });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('app_secret') });
  });
});
