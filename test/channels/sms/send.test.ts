import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendSmsMessage } from '../../../src/channels/sms/send.ts';
import type { SendContext, SendResult } from '../../../src/channels/types.ts';
import type { AppError } from '../../../src/core/errors.ts';
import {
  FAKE_AUTH_TOKEN,
  FAKE_MESSAGING_SERVICE_SID,
  FAKE_SMS_NUMBER,
  type FakeTwilio,
  startFakeTwilio,
} from '../../fakes/twilio-api.ts';
import { environmentFor, smsConfig } from './fixtures.ts';

const customer = '+15550000001';
const statusCallback = 'https://gateway.example.com/webhook/sms/acme/status';
let fake: FakeTwilio;
let context: SendContext;

beforeEach(async () => {
  fake = await startFakeTwilio();
  context = {
    config: smsConfig({ status_callback_url: statusCallback }),
    environment: environmentFor(fake.baseUrl),
  };
});

afterEach(async () => {
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

const messageCalls = () => fake.calls.filter((call) => call.resource === 'messages');

describe('sending an SMS', () => {
  it('sends through the real twilio SDK from the number, asking for status callbacks', async () => {
    const result = await sendSmsMessage({ chatId: customer, text: 'Your order ships today.' }, context);
    const [sent] = fake.sent();
    expect(result).toEqual({ outcome: 'sent', providerMessageId: sent!.sid });
    expect(sent).toMatchObject({
      to: customer,
      from: FAKE_SMS_NUMBER,
      messagingServiceSid: undefined,
      body: 'Your order ships today.',
      statusCallback,
    });
    expect(messageCalls()[0]?.userAgent).toMatch(/^twilio-node\//);
  });

  it('sends through the Messaging Service instead of a number when one is configured', async () => {
    context.config = { ...context.config, messaging_service_sid: FAKE_MESSAGING_SERVICE_SID };
    await sendSmsMessage({ chatId: customer, text: 'hi' }, context);
    expect(fake.sent()[0]).toMatchObject({
      from: undefined,
      messagingServiceSid: FAKE_MESSAGING_SERVICE_SID,
    });
  });

  it('sends without StatusCallback when setup has not stored one', async () => {
    const { status_callback_url: _removed, ...config } = context.config;
    await sendSmsMessage({ chatId: customer, text: 'hi' }, { ...context, config });
    expect(messageCalls()[0]?.parameters).not.toHaveProperty('StatusCallback');
  });

  it('keeps non-ASCII text intact on the wire', async () => {
    await sendSmsMessage({ chatId: customer, text: 'Grüße & 😀 + more' }, context);
    expect(fake.sent()[0]?.body).toBe('Grüße & 😀 + more');
  });

  it('refuses an empty text or one over 1600 characters without calling Twilio', async () => {
    for (const text of ['  ', 'a'.repeat(1601)]) {
      expect(failureOf(await sendSmsMessage({ chatId: customer, text }, context))).toMatchObject({
        code: 'VALIDATION_FAILED',
        retryable: false,
      });
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('fails without throwing when the configuration is incomplete', async () => {
    const result = await sendSmsMessage({ chatId: customer, text: 'hi' }, { ...context, config: {} });
    expect(failureOf(result)).toMatchObject({ code: 'VALIDATION_FAILED', message: 'account_sid is not set' });
  });
});

describe('send failures', () => {
  it('maps 429 to a retryable rate limit that carries Retry-After', async () => {
    fake.fail('messages', [{ status: 429, code: 20429, retryAfter: 2 }]);
    const error = failureOf(await sendSmsMessage({ chatId: customer, text: 'hi' }, context));
    expect(error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryable: true, retryAfterMs: 2000 });
    expect(error.message).toMatch(/HTTP 429, code 20429/);
  });

  it('maps 5xx to a retryable outage', async () => {
    fake.fail('messages', [{ status: 500 }, { status: 503, retryAfter: 5 }]);
    expect(failureOf(await sendSmsMessage({ chatId: customer, text: 'hi' }, context))).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      retryable: true,
      retryAfterMs: undefined,
    });
    expect(failureOf(await sendSmsMessage({ chatId: customer, text: 'hi' }, context))).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      retryAfterMs: 5000,
    });
  });

  it('never retries a send to a recipient who opted out (21610)', async () => {
    fake.optOut(customer);
    const error = failureOf(await sendSmsMessage({ chatId: customer, text: 'hi' }, context));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
    expect(error.message).toMatch(/opted out and must text START first .*code 21610/);
  });

  it('does not retry other refusals, such as a From number the account does not own', async () => {
    context.config = { ...context.config, sms_number: '+15550001111' };
    const error = failureOf(await sendSmsMessage({ chatId: customer, text: 'hi' }, context));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
    expect(error.message).toMatch(/code 21606/);
  });

  it('reports wrong credentials without ever showing the auth token', async () => {
    const wrongToken = 'ffffffffffffffffffffffffffffffff';
    context.config = { ...context.config, auth_token: wrongToken };
    const error = failureOf(await sendSmsMessage({ chatId: customer, text: 'hi' }, context));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
    expect(error.message).toMatch(/does not accept the Account SID and Auth Token/);
    expect(everythingShown(error)).not.toContain(wrongToken);
    expect(everythingShown(error)).not.toContain(FAKE_AUTH_TOKEN);
  });

  it('maps a refused connection or a dropped one to a retryable network error', async () => {
    const closed = await startFakeTwilio();
    await closed.close();
    const refused = failureOf(
      await sendSmsMessage(
        { chatId: customer, text: 'hi' },
        { ...context, environment: environmentFor(closed.baseUrl) },
      ),
    );
    expect(refused).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
    expect(refused.message).toMatch(/could not reach Twilio for sending the message \(.*ECONNREFUSED/);

    fake.fail('messages', [{ status: 0 }]);
    expect(failureOf(await sendSmsMessage({ chatId: customer, text: 'hi' }, context))).toMatchObject({
      code: 'NETWORK_ERROR',
      retryable: true,
    });
    expect(everythingShown(refused)).not.toContain(FAKE_AUTH_TOKEN);
  });
});
