import { describe, expect, it } from 'vitest';
import { verifyPostmarkRequest } from '../../../src/channels/email/verify.ts';
import { basicAuth, fixtureRequest, loadFixture } from './fixtures.ts';

const authExample = loadFixture('auth_example') as {
  configuredWebhookUrl: string;
  expectedAuthorizationHeader: string;
  wrongAuthorizationHeader: string;
};
const configured = new URL(authExample.configuredWebhookUrl);
const user = decodeURIComponent(configured.username);
const password = decodeURIComponent(configured.password);
const config = {
  server_token: 'token',
  from_email: 'support@example.com',
  inbound_webhook_user: user,
  inbound_webhook_password: password,
};

function verifyWith(authorization: string | string[] | undefined, values: Record<string, string> = config) {
  return verifyPostmarkRequest(fixtureRequest('inbound_plain', { authorization }), values);
}

describe('inbound basic auth', () => {
  it('accepts the credentials of the webhook URL configured in Postmark', () => {
    expect(basicAuth(user, password)).toBe(authExample.expectedAuthorizationHeader);
    expect(verifyWith(authExample.expectedAuthorizationHeader)).toEqual({ ok: true });
  });

  it('accepts the scheme in any case, as HTTP allows', () => {
    expect(verifyWith(authExample.expectedAuthorizationHeader.replace('Basic', 'basic')).ok).toBe(true);
  });

  it('rejects the wrong password of the fixture', () => {
    expect(verifyWith(authExample.wrongAuthorizationHeader)).toEqual({
      ok: false,
      reason: 'wrong inbound webhook user or password',
    });
  });

  it('rejects a request without credentials', () => {
    expect(verifyWith(undefined)).toEqual({ ok: false, reason: 'missing authorization header' });
  });

  it.each([
    ['the right password for another user', basicAuth('someone-else', password)],
    ['the password alone', `Basic ${Buffer.from(password).toString('base64')}`],
    ['a prefix of the password', basicAuth(user, password.slice(0, -1))],
    ['the password with more appended', basicAuth(user, `${password}x`)],
    ['user and password in another case', basicAuth(user.toUpperCase(), password.toUpperCase())],
    ['a bearer token', `Bearer ${password}`],
    ['basic auth that is not base64', 'Basic not*base64!'],
    ['an empty basic value', 'Basic '],
  ])('rejects %s', (_name, header) => {
    expect(verifyWith(header).ok).toBe(false);
  });

  it('rejects the header sent twice, even with the right value', () => {
    const header = authExample.expectedAuthorizationHeader;
    expect(verifyWith([header, header])).toMatchObject({
      ok: false,
      reason: expect.stringContaining('more than once'),
    });
  });

  it.each([
    ['no credentials', { server_token: 'token', from_email: 'support@example.com' }],
    ['an empty password', { ...config, inbound_webhook_password: '' }],
    ['an empty user', { ...config, inbound_webhook_user: '' }],
  ])('accepts nothing when the configuration has %s', (_name, values) => {
    expect(verifyWith(authExample.expectedAuthorizationHeader, values)).toEqual({
      ok: false,
      reason: 'no inbound webhook credentials are configured',
    });
    expect(verifyWith(basicAuth('', ''), values).ok).toBe(false);
    expect(verifyWith(basicAuth(':', ''), values).ok).toBe(false);
  });
});
