import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMAIL_MAX_TEXT_LENGTH, sendPostmarkEmail } from '../../../src/channels/email/send.ts';
import type { OutboundMessage, SendResult } from '../../../src/channels/types.ts';
import { FAKE_SERVER_TOKEN, type FakePostmark, startFakePostmark } from '../../fakes/postmark-api.ts';
import { testEnvironment } from '../../support/environment.ts';
import { loadFixture } from './fixtures.ts';

const config = { server_token: FAKE_SERVER_TOKEN, from_email: 'Support <support@example.com>' };

describe('sending an email reply through Postmark', () => {
  let postmark: FakePostmark;

  beforeEach(async () => {
    postmark = await startFakePostmark();
  });

  afterEach(async () => {
    await postmark.close();
  });

  const send = (message: Partial<OutboundMessage>, values: Record<string, string> = config) =>
    sendPostmarkEmail(
      { chatId: 'ada@example.net', text: 'Your order shipped today.', ...message },
      { config: values, environment: testEnvironment({ postmarkApiUrl: postmark.url }) },
    );

  function failure(result: SendResult) {
    expect(result.outcome).toBe('failed');
    return (result as Extract<SendResult, { outcome: 'failed' }>).error;
  }

  it('threads the reply like the recorded example: In-Reply-To, References and a Re: subject', async () => {
    const example = (
      loadFixture('auth_example') as { outboundReplyExample: { body: Record<string, unknown> } }
    ).outboundReplyExample.body;
    const result = await send({
      thread: { subject: 'Question about my order #1042', references: ['<CAFAKE0001@mail.example.net>'] },
    });
    const [email] = postmark.sent();
    expect(email).toMatchObject({
      From: example.From,
      To: example.To,
      Subject: example.Subject,
      TextBody: example.TextBody,
      MessageStream: 'outbound',
      headers: {
        'In-Reply-To': '<CAFAKE0001@mail.example.net>',
        References: '<CAFAKE0001@mail.example.net>',
      },
    });
    expect(postmark.calls[0]!.token).toBe(FAKE_SERVER_TOKEN);
    expect(result).toEqual({ outcome: 'sent', providerMessageId: `<${email!.MessageID}@mtasv.net>` });
  });

  it('answers the latest message and keeps the whole chain in References, oldest first', async () => {
    await send({
      thread: { subject: 'Re: Re: Order', references: ['<a@x>', '<b@mtasv.net>', '<c@x>'] },
    });
    expect(postmark.sent()[0]).toMatchObject({
      Subject: 'Re: Order',
      headers: { 'In-Reply-To': '<c@x>', References: '<a@x> <b@mtasv.net> <c@x>' },
    });
  });

  it('keeps the first and the latest nineteen ids of a very long thread', async () => {
    const references = Array.from({ length: 30 }, (_, index) => `<m${index}@x>`);
    await send({ thread: { subject: 'Order', references } });
    const kept = postmark.sent()[0]!.headers.References!.split(' ');
    expect(kept).toEqual([references[0], ...references.slice(-19)]);
  });

  it('starts a new thread without In-Reply-To when there is nothing to answer', async () => {
    await send({});
    expect(postmark.sent()[0]).toMatchObject({ Subject: 'Re: (no subject)', headers: {} });
  });

  it('sends on the configured message stream', async () => {
    await send({}, { ...config, message_stream: 'support-replies' });
    expect(postmark.sent()[0]!.MessageStream).toBe('support-replies');
  });

  it('sends a long reply whole, as one email', async () => {
    const text = Array.from({ length: 200 }, (_, index) => `Line ${index} of a long answer.`).join('\n');
    expect(text.length).toBeGreaterThan(5_000);
    expect((await send({ text })).outcome).toBe('sent');
    expect(postmark.sent()[0]!.TextBody).toBe(text);
  });

  it('reports 429 as a rate limit with the Retry-After Postmark sent', async () => {
    postmark.fail('email', [{ status: 429, retryAfter: 3 }]);
    const error = failure(await send({}));
    expect(error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryable: true, retryAfterMs: 3_000 });
  });

  it.each([500, 503])('reports %i as retryable unavailability', async (status) => {
    postmark.fail('email', [{ status }]);
    expect(failure(await send({}))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true });
  });

  it('reports a connection that breaks without an answer as a retryable network error', async () => {
    postmark.fail('email', [{ status: 0 }]);
    expect(failure(await send({}))).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
  });

  it('reports an unreachable Postmark as a network error', async () => {
    const result = await sendPostmarkEmail(
      { chatId: 'ada@example.net', text: 'hi' },
      { config, environment: testEnvironment() },
    );
    expect(failure(result)).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
  });

  it('does not retry a recipient Postmark refuses (422), and says why', async () => {
    postmark.fail('email', [
      {
        status: 422,
        errorCode: 406,
        message: 'You tried to send to a recipient that has been marked as inactive.',
      },
    ]);
    const error = failure(await send({}));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
    expect(error.message).toContain('ErrorCode 406');
  });

  it('does not retry a token Postmark does not know, and never repeats the token', async () => {
    const token = '11111111-2222-4333-8444-555555555555';
    const error = failure(await send({}, { ...config, server_token: token }));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
    expect(error.message).toMatch(/does not accept the server token/);
    expect(error.message).not.toContain(token);
  });

  it.each([
    ['an empty text', { text: '  ' }, 'empty'],
    ['a text over the limit', { text: 'x'.repeat(EMAIL_MAX_TEXT_LENGTH + 1) }, 'at most'],
  ])('refuses %s without calling Postmark', async (_name, message, expected) => {
    const error = failure(await send(message));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(error.message).toContain(expected);
    expect(postmark.calls).toHaveLength(0);
  });

  it('fails without a call when the configuration lacks the token', async () => {
    const error = failure(await send({}, { from_email: 'support@example.com' }));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'server_token is not set' });
    expect(postmark.calls).toHaveLength(0);
  });
});
