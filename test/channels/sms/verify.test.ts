import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySmsRequest } from '../../../src/channels/sms/verify.ts';
import { signTwilioRequest } from '../../fakes/twilio-api.ts';
import { fixtureBody, formRequest, signatureExample, signedFixtureRequest, smsConfig } from './fixtures.ts';

const config = smsConfig({ auth_token: signatureExample.authToken });
const inboundUrl = 'https://gateway.example.com/webhook/sms/acme';

describe('verifying X-Twilio-Signature', () => {
  it.each(['inbound_text', 'inbound_mms', 'inbound_stop_optout', 'status_callback_delivered'])(
    'accepts the shared %s fixture with its worked signature',
    (name) => {
      expect(verifySmsRequest(signedFixtureRequest(name), config)).toEqual({ ok: true });
    },
  );

  it("accepts Twilio's own test vector, whose URL carries a query string", () => {
    const { authToken, formCase } = signatureExample.officialVectors;
    const body = new URLSearchParams(formCase.params).toString();
    const request = formRequest(body, formCase.url, formCase.expectedSignature);
    expect(verifySmsRequest(request, smsConfig({ auth_token: authToken }))).toEqual({ ok: true });
  });

  it('signs a parameter named __proto__ like any other', () => {
    const body = `${fixtureBody('inbound_text')}&__proto__=injected`;
    // Twilio's rule written out: the URL, then each parameter's name and value, sorted by name.
    const data = [...new URLSearchParams(body)]
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .reduce((signed, [name, value]) => signed + name + value, inboundUrl);
    const signature = createHmac('sha1', config.auth_token!).update(data, 'utf8').digest('base64');
    expect(verifySmsRequest(formRequest(body, inboundUrl, signature), config)).toEqual({ ok: true });
    // Added after signing, it breaks the signature instead of slipping past it.
    const signedWithout = signTwilioRequest(config.auth_token!, inboundUrl, fixtureBody('inbound_text'));
    expect(verifySmsRequest(formRequest(body, inboundUrl, signedWithout), config).ok).toBe(false);
  });

  it('accepts the URL with the default port that Twilio may have signed', () => {
    const body = fixtureBody('inbound_text');
    const signature = signTwilioRequest(
      config.auth_token!,
      'https://gateway.example.com:443/webhook/sms/acme',
      body,
    );
    expect(verifySmsRequest(formRequest(body, inboundUrl, signature), config)).toEqual({ ok: true });
  });

  it('rejects a tampered body with the original signature', () => {
    const tampered = signatureExample.tamperedCase;
    const body = fixtureBody('inbound_text').replace('Body=Hi%2C+what+are+your+hours+today%3F', 'Body=Hi');
    expect(body).not.toBe(fixtureBody('inbound_text'));
    const result = verifySmsRequest(formRequest(body, tampered.url, tampered['X-Twilio-Signature']), config);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^wrong x-twilio-signature/) });
  });

  it('rejects a parameter added to a signed body', () => {
    const signed = signedFixtureRequest('inbound_text');
    const request = { ...signed, rawBody: Buffer.concat([signed.rawBody, Buffer.from('&Extra=1')]) };
    expect(verifySmsRequest(request, config).ok).toBe(false);
  });

  it('rejects a signature made for another URL, such as another tenant or a wrong PUBLIC_URL', () => {
    const body = fixtureBody('inbound_text');
    const forOtherTenant = signTwilioRequest(
      config.auth_token!,
      'https://gateway.example.com/webhook/sms/other',
      body,
    );
    const result = verifySmsRequest(formRequest(body, inboundUrl, forOtherTenant), config);
    // The reason names the URL checked (the usual cause is a PUBLIC_URL that differs from Twilio's).
    expect(result).toEqual({ ok: false, reason: `wrong x-twilio-signature header for ${inboundUrl}` });
  });

  it('rejects a signature made with another auth token', () => {
    const body = fixtureBody('inbound_text');
    const signature = signTwilioRequest('0123456789abcdef0123456789abcdef', inboundUrl, body);
    expect(verifySmsRequest(formRequest(body, inboundUrl, signature), config).ok).toBe(false);
  });

  it('rejects a missing, empty or repeated signature header', () => {
    const body = fixtureBody('inbound_text');
    const signature = signTwilioRequest(config.auth_token!, inboundUrl, body);
    expect(verifySmsRequest(formRequest(body, inboundUrl), config)).toEqual({
      ok: false,
      reason: 'missing x-twilio-signature header',
    });
    expect(verifySmsRequest(formRequest(body, inboundUrl, ''), config).ok).toBe(false);
    expect(verifySmsRequest(formRequest(body, inboundUrl, [signature, signature]), config)).toEqual({
      ok: false,
      reason: 'x-twilio-signature header sent more than once',
    });
  });

  it('accepts nothing when no auth token is configured (fail closed)', () => {
    const request = signedFixtureRequest('inbound_text');
    const { auth_token: _removed, ...withoutToken } = config;
    expect(verifySmsRequest(request, withoutToken)).toEqual({
      ok: false,
      reason: 'no auth token is configured for this account',
    });
    expect(verifySmsRequest(request, { ...config, auth_token: '' }).ok).toBe(false);
  });

  it('signs over repeated parameters and non-ASCII text as Twilio does', () => {
    const body =
      'MediaUrl=https%3A%2F%2Fb&MediaUrl=https%3A%2F%2Fa&Body=Gr%C3%BC%C3%9Fe+%F0%9F%98%80&MessageSid=SM1';
    const signature = signTwilioRequest(config.auth_token!, inboundUrl, body);
    expect(verifySmsRequest(formRequest(body, inboundUrl, signature), config)).toEqual({ ok: true });
    const reordered =
      'MessageSid=SM1&Body=Gr%C3%BC%C3%9Fe+%F0%9F%98%80&MediaUrl=https%3A%2F%2Fa&MediaUrl=https%3A%2F%2Fb';
    // Twilio sorts by name and each name's values, so the order on the wire does not matter.
    expect(verifySmsRequest(formRequest(reordered, inboundUrl, signature), config)).toEqual({ ok: true });
  });

  it('never throws, whatever the body or URL', () => {
    const garbage = formRequest('%%%&&&=\u0000', 'not a url', 'c2lnbmF0dXJl');
    expect(verifySmsRequest(garbage, config).ok).toBe(false);
  });
});
