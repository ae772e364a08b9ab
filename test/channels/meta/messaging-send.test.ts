import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instagramAdapter } from '../../../src/channels/instagram/adapter.ts';
import { messengerAdapter } from '../../../src/channels/messenger/adapter.ts';
import type { ChannelAdapter, SendContext, SendResult } from '../../../src/channels/types.ts';
import type { AppError } from '../../../src/core/errors.ts';
import { FAKE_INSTAGRAM, FAKE_PAGE, type FakeMetaGraph, startFakeMetaGraph } from '../../fakes/meta-graph.ts';
import { instagramConfig } from '../instagram/fixtures.ts';
import { messengerConfig } from '../messenger/fixtures.ts';
import { graphEnvironment } from './support.ts';

let fake: FakeMetaGraph;

beforeEach(async () => {
  fake = await startFakeMetaGraph();
});

afterEach(async () => {
  await fake.close();
});

function failureOf(result: SendResult): AppError {
  if (result.outcome !== 'failed') throw new Error(`expected a failed send, got ${JSON.stringify(result)}`);
  return result.error;
}

const channels: Array<{
  name: string;
  adapter: ChannelAdapter;
  config: Record<string, string>;
  path: string;
  token: string;
  recipient: string;
  tooLong: string;
  justFits: string;
}> = [
  {
    name: 'Messenger',
    adapter: messengerAdapter,
    config: messengerConfig,
    path: `/${FAKE_PAGE.pageId}/messages`,
    token: FAKE_PAGE.accessToken,
    recipient: '5550000000000001',
    tooLong: 'a'.repeat(2001),
    justFits: 'a'.repeat(2000),
  },
  {
    name: 'Instagram',
    adapter: instagramAdapter,
    config: instagramConfig,
    path: '/me/messages',
    token: FAKE_INSTAGRAM.accessToken,
    recipient: '1000000000000101',
    // 1000 bytes is the limit, not 1000 characters: 501 two-byte letters are too many.
    tooLong: 'ü'.repeat(501),
    justFits: 'ü'.repeat(500),
  },
];

describe.each(channels)(
  'sending on $name',
  ({ adapter, config, path, token, recipient, tooLong, justFits }) => {
    const context = (): SendContext => ({ config, environment: graphEnvironment(fake.baseUrl) });

    it('sends a reply through the Send API with messaging_type RESPONSE', async () => {
      const result = await adapter.send({ chatId: recipient, text: 'We deliver on Sundays.' }, context());
      const [sent] = fake.sent();
      expect(result).toEqual({ outcome: 'sent', providerMessageId: sent!.id });
      expect(fake.calls[0]).toMatchObject({
        method: 'POST',
        path,
        token,
        body: {
          recipient: { id: recipient },
          messaging_type: 'RESPONSE',
          message: { text: 'We deliver on Sundays.' },
        },
      });
    });

    it('tags a staff reply outside the standard window with HUMAN_AGENT', async () => {
      const result = await adapter.send(
        { chatId: recipient, text: 'Sorry for the wait.', author: 'staff', humanAgentTag: true },
        context(),
      );
      expect(result.outcome).toBe('sent');
      expect(fake.sent()[0]).toMatchObject({ messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    });

    it('refuses to send free-form text where the policy asked for a template', async () => {
      const error = failureOf(
        await adapter.send(
          { chatId: recipient, text: 'late', template: { name: 'x', language: 'en' } },
          context(),
        ),
      );
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
      expect(fake.calls).toEqual([]);
    });

    it('sends a text at the length limit and refuses a longer one without calling Meta', async () => {
      expect((await adapter.send({ chatId: recipient, text: justFits }, context())).outcome).toBe('sent');
      expect(failureOf(await adapter.send({ chatId: recipient, text: tooLong }, context())).code).toBe(
        'VALIDATION_FAILED',
      );
      expect(fake.calls).toHaveLength(1);
    });

    it('returns rate limits and outages as retryable, rejections as permanent', async () => {
      fake.fail(path, [
        { status: 429, headers: { 'retry-after': '3' } },
        { status: 503 },
        {
          status: 400,
          body: {
            error: {
              message: '(#10) This message is sent outside of allowed window.',
              code: 10,
              error_subcode: 2018278,
            },
          },
        },
      ]);
      expect(failureOf(await adapter.send({ chatId: recipient, text: 'hi' }, context()))).toMatchObject({
        code: 'PROVIDER_RATE_LIMITED',
        retryAfterMs: 3000,
      });
      expect(failureOf(await adapter.send({ chatId: recipient, text: 'hi' }, context())).code).toBe(
        'PROVIDER_UNAVAILABLE',
      );
      const rejected = failureOf(await adapter.send({ chatId: recipient, text: 'hi' }, context()));
      expect(rejected).toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
      expect(rejected.message).toContain('code 10/2018278');
    });

    it('marks the conversation as seen and shows typing, never failing the caller', async () => {
      await adapter.acknowledgeInbound!({ chatId: recipient, providerMessageId: 'm_in' }, context());
      expect(fake.senderActions()).toEqual([
        { to: recipient, action: 'mark_seen' },
        { to: recipient, action: 'typing_on' },
      ]);
      fake.fail(path, [{ status: 500 }]);
      await expect(
        adapter.acknowledgeInbound!({ chatId: recipient, providerMessageId: 'm_in' }, context()),
      ).resolves.toBeUndefined();
    });

    it('never shows the page token in a failure', async () => {
      const wrong = 'EAAunknownPageToken42';
      const error = failureOf(
        await adapter.send(
          { chatId: recipient, text: 'hi' },
          { ...context(), config: { ...config, page_access_token: wrong } },
        ),
      );
      expect(error.code).toBe('PROVIDER_REJECTED');
      expect([error.message, JSON.stringify(error), error.stack].join('\n')).not.toContain(wrong);
    });
  },
);
