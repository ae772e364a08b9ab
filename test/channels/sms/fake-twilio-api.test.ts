import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  type FakeTwilio,
  signTwilioRequest,
  startFakeTwilio,
} from '../../fakes/twilio-api.ts';
import { fixtureBody, signatureExample } from './fixtures.ts';

/** Other suites (and gateway processes) rely on this fake, so its wire format is pinned here. */
let fake: FakeTwilio;

beforeEach(async () => {
  fake = await startFakeTwilio();
});

afterEach(async () => {
  await fake.close();
});

const basic = (token = FAKE_AUTH_TOKEN) =>
  `Basic ${Buffer.from(`${FAKE_ACCOUNT_SID}:${token}`).toString('base64')}`;

async function post(path: string, form: Record<string, string>, token?: string) {
  const response = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}${path}`, {
    method: 'POST',
    headers: { authorization: basic(token), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

describe('fake Twilio REST API', () => {
  it('answers a created message with 201 and a message resource', async () => {
    const answer = await post('/Messages.json', { To: '+15550000001', From: '+15550009999', Body: 'hi' });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'queued',
      to: '+15550000001',
      from: '+15550009999',
      body: 'hi',
      direction: 'outbound-api',
    });
  });

  it("answers errors in Twilio's shape, with the status as HTTP status", async () => {
    const answer = await post(
      '/Messages.json',
      { To: '+15550000001', From: '+15550009999', Body: 'hi' },
      'wrong',
    );
    expect(answer).toMatchObject({
      status: 401,
      json: {
        code: 20003,
        message: 'Authenticate',
        status: 401,
        more_info: 'https://www.twilio.com/docs/errors/20003',
      },
    });
    const tooLong = await post('/Messages.json', { To: '+1', From: '+15550009999', Body: 'a'.repeat(1601) });
    expect(tooLong).toMatchObject({ status: 400, json: { code: 21617 } });
  });

  it('sends Retry-After with a scripted 429', async () => {
    fake.fail('messages', [{ status: 429, code: 20429, retryAfter: 3 }]);
    const answer = await post('/Messages.json', { To: '+15550000001', From: '+15550009999', Body: 'hi' });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('3');
    expect(fake.sent()).toHaveLength(0);
  });

  it("builds a status callback as Twilio posts it to the message's StatusCallback", async () => {
    const created = await post('/Messages.json', {
      To: '+15550000001',
      From: '+15550009999',
      Body: 'hi',
      StatusCallback: 'https://gateway.example.com/webhook/sms/acme/status',
    });
    const callback = fake.statusCallback(String(created.json.sid), 'undelivered', { errorCode: 30003 });
    expect(callback.url).toBe('https://gateway.example.com/webhook/sms/acme/status');
    expect(Object.fromEntries(new URLSearchParams(callback.body))).toMatchObject({
      MessageSid: created.json.sid,
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
      To: '+15550000001',
    });
  });
});

describe('signing webhooks as Twilio does', () => {
  it('reproduces the worked signatures of the shared fixtures', () => {
    for (const signed of signatureExample.formCases) {
      const name = signed.file.replace('twilio-sms/', '').replace('.txt', '');
      expect(signTwilioRequest(signatureExample.authToken, signed.url, fixtureBody(name))).toBe(
        signed['X-Twilio-Signature'],
      );
    }
  });

  it("reproduces Twilio's own test vector", () => {
    const { authToken, formCase } = signatureExample.officialVectors;
    expect(signTwilioRequest(authToken, formCase.url, new URLSearchParams(formCase.params).toString())).toBe(
      formCase.expectedSignature,
    );
  });
});
