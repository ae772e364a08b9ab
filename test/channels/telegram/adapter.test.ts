import { describe, expect, it } from 'vitest';
import { telegramAdapter } from '../../../src/channels/telegram/adapter.ts';
import { fixtureRequest, loadFixture } from './fixtures.ts';

describe('telegram adapter', () => {
  it('is registered under the connector id and splits replies at 4096 characters', () => {
    expect(telegramAdapter.id).toBe('telegram');
    expect(telegramAdapter.connector.id).toBe(telegramAdapter.id);
    expect(telegramAdapter.maxTextLength).toBe(4096);
    expect(telegramAdapter.contentTypes).toEqual(['application/json']);
  });

  it('verifies and parses a delivery exactly as Telegram sends it', () => {
    const { validRequestHeaders, setWebhookRequest } = loadFixture('auth_example') as {
      validRequestHeaders: Record<string, string>;
      setWebhookRequest: { body: { secret_token: string } };
    };
    const config = {
      bot_token: '7000000001:fake-token_for-tests',
      webhook_secret: setWebhookRequest.body.secret_token,
    };
    const request = fixtureRequest('message_voice', validRequestHeaders);
    expect(telegramAdapter.verify(request, config)).toEqual({ ok: true });
    expect(telegramAdapter.parse(request, config)).toEqual([
      expect.objectContaining({ type: 'message', providerMessageId: '5550000001:13', kind: 'media' }),
    ]);
  });
});
