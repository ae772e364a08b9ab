import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SendContext, SendResult } from '../../../src/channels/types.ts';
import { markWhatsAppRead, sendWhatsAppMessage } from '../../../src/channels/whatsapp/send.ts';
import type { AppError } from '../../../src/core/errors.ts';
import { FAKE_WHATSAPP, type FakeMetaGraph, startFakeMetaGraph } from '../../fakes/meta-graph.ts';
import { graphEnvironment } from '../meta/support.ts';
import { whatsappConfig } from './fixtures.ts';

const chatId = '15550000001';
const path = `/${FAKE_WHATSAPP.phoneNumberId}/messages`;
let fake: FakeMetaGraph;
let context: SendContext;

beforeEach(async () => {
  fake = await startFakeMetaGraph();
  context = { config: whatsappConfig, environment: graphEnvironment(fake.baseUrl) };
});

afterEach(async () => {
  await fake.close();
});

function failureOf(result: SendResult): AppError {
  if (result.outcome !== 'failed') throw new Error(`expected a failed send, got ${JSON.stringify(result)}`);
  return result.error;
}

describe('sending on WhatsApp', () => {
  it('sends free text to the customer and returns the wamid statuses will refer to', async () => {
    const result = await sendWhatsAppMessage({ chatId, text: 'Your order ships today.' }, context);
    const [sent] = fake.sent();
    expect(result).toEqual({ outcome: 'sent', providerMessageId: sent!.id });
    expect(sent).toMatchObject({
      from: FAKE_WHATSAPP.phoneNumberId,
      to: chatId,
      type: 'text',
      text: 'Your order ships today.',
    });
    expect(fake.calls[0]).toMatchObject({
      method: 'POST',
      path,
      token: FAKE_WHATSAPP.accessToken,
      body: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: chatId,
        type: 'text',
        text: { body: 'Your order ships today.', preview_url: false },
      },
    });
  });

  it('sends the configured template instead of the text when the policy asks for one', async () => {
    const result = await sendWhatsAppMessage(
      {
        chatId,
        text: 'a free-form text that must not go out',
        template: { name: 'order_update', language: 'en_US' },
      },
      context,
    );
    expect(result.outcome).toBe('sent');
    expect(fake.sent()).toEqual([
      expect.objectContaining({ type: 'template', template: { name: 'order_update', language: 'en_US' } }),
    ]);
    expect(JSON.stringify(fake.calls[0]!.body)).not.toContain('free-form');
  });

  it('accepts exactly 4096 characters and refuses more without calling Meta', async () => {
    expect((await sendWhatsAppMessage({ chatId, text: 'a'.repeat(4096) }, context)).outcome).toBe('sent');
    const error = failureOf(await sendWhatsAppMessage({ chatId, text: 'a'.repeat(4097) }, context));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(error.message).toContain('4097 characters');
    expect(fake.calls).toHaveLength(1);
  });

  it('refuses an empty text without calling Meta', async () => {
    expect(failureOf(await sendWhatsAppMessage({ chatId, text: '  ' }, context)).code).toBe(
      'VALIDATION_FAILED',
    );
    expect(fake.calls).toEqual([]);
  });

  it.each([
    ['the access token is missing', { access_token: '' }, 'access_token is not set'],
    [
      'the phone number id is not a number',
      { phone_number_id: '../me' },
      'phone_number_id must be the numeric id',
    ],
  ])('fails without calling Meta when %s', async (_name, change, message) => {
    const error = failureOf(
      await sendWhatsAppMessage(
        { chatId, text: 'hi' },
        { ...context, config: { ...whatsappConfig, ...change } },
      ),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(message);
    expect(fake.calls).toEqual([]);
  });

  it('returns a retryable rate limit with the wait Meta asked for', async () => {
    fake.fail(path, [
      {
        status: 400,
        headers: { 'retry-after': '2' },
        body: { error: { message: 'Rate limit hit', type: 'OAuthException', code: 130429 } },
      },
    ]);
    const error = failureOf(await sendWhatsAppMessage({ chatId, text: 'hi' }, context));
    expect(error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryable: true, retryAfterMs: 2000 });
  });

  it('returns a permanent failure for a message outside the 24-hour window (131047)', async () => {
    fake.fail(path, [
      {
        status: 400,
        body: { error: { message: 'Re-engagement message', type: 'OAuthException', code: 131047 } },
      },
    ]);
    const error = failureOf(await sendWhatsAppMessage({ chatId, text: 'hi' }, context));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
  });

  it('returns a retryable failure when Meta is down or unreachable, never throwing', async () => {
    fake.fail(path, [{ status: 500 }]);
    expect(failureOf(await sendWhatsAppMessage({ chatId, text: 'hi' }, context)).code).toBe(
      'PROVIDER_UNAVAILABLE',
    );
    const closed = { ...context, environment: graphEnvironment('http://127.0.0.1:9') };
    expect(failureOf(await sendWhatsAppMessage({ chatId, text: 'hi' }, closed)).code).toBe('NETWORK_ERROR');
  });

  it('does not send again when Meta accepted the call but returned no message id', async () => {
    fake.fail(path, [{ status: 200, body: { messaging_product: 'whatsapp', messages: [] } }]);
    const error = failureOf(await sendWhatsAppMessage({ chatId, text: 'hi' }, context));
    expect(error).toMatchObject({ code: 'DELIVERY_FAILED', retryable: false });
  });

  it('never shows the access token in a failure', async () => {
    const token = 'EAAnotKnownToTheFake0001';
    const error = failureOf(
      await sendWhatsAppMessage(
        { chatId, text: 'hi' },
        { ...context, config: { ...whatsappConfig, access_token: token } },
      ),
    );
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect([error.message, JSON.stringify(error), error.stack].join('\n')).not.toContain(token);
  });
});

describe('marking inbound messages as read', () => {
  it('marks the message as read and shows a typing indicator in one call', async () => {
    await markWhatsAppRead('wamid.IN1', context);
    expect(fake.reads()).toEqual([{ messageId: 'wamid.IN1', typing: true }]);
    expect(fake.calls[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.IN1',
      typing_indicator: { type: 'text' },
    });
    expect(fake.sent()).toEqual([]);
  });

  it('never fails the caller, whatever Meta answers', async () => {
    fake.fail(path, [{ status: 500 }, { status: 0 }]);
    await expect(markWhatsAppRead('wamid.IN1', context)).resolves.toBeUndefined();
    await expect(markWhatsAppRead('wamid.IN1', context)).resolves.toBeUndefined();
    await expect(markWhatsAppRead('wamid.IN1', { ...context, config: {} })).resolves.toBeUndefined();
  });
});
