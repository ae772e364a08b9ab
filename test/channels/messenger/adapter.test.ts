import { describe, expect, it } from 'vitest';
import { messengerAdapter } from '../../../src/channels/messenger/adapter.ts';
import { messengerConfig, messengerFixtures } from './fixtures.ts';

describe('messenger adapter', () => {
  it('is registered with Messenger’s limits, the 24-hour window and the 7-day human-agent window', () => {
    expect(messengerAdapter.id).toBe('messenger');
    expect(messengerAdapter.connector.id).toBe('messenger');
    expect(messengerAdapter.maxTextLength).toBe(2000);
    expect(messengerAdapter.policy).toMatchObject({
      customerServiceWindowHours: 24,
      humanAgentWindowHours: 168,
    });
    expect(messengerAdapter.contentTypes).toEqual(['application/json']);
  });

  it('declares its fields with the secrets marked', () => {
    expect(
      messengerAdapter.connector.fields.map(({ key, required, secret }) => ({ key, required, secret })),
    ).toEqual([
      { key: 'page_id', required: true, secret: false },
      { key: 'page_access_token', required: true, secret: true },
      { key: 'verify_token', required: false, secret: false },
      { key: 'app_secret', required: false, secret: true },
    ]);
    expect(messengerAdapter.connector.docs.en).toContain('/webhook/messenger/');
    expect(messengerAdapter.connector.docs.de).toContain('/webhook/messenger/');
  });

  it('verifies and parses a delivery exactly as Meta sends it', () => {
    const request = messengerFixtures.request(
      'quick_reply',
      messengerFixtures.recordedSignature('quick_reply'),
    );
    expect(messengerAdapter.verify(request, messengerConfig)).toEqual({ ok: true });
    expect(messengerAdapter.parse(request, messengerConfig)).toEqual([
      expect.objectContaining({ type: 'message', kind: 'interactive' }),
    ]);
  });

  it('answers the subscription handshake with the challenge', () => {
    const query = {
      'hub.mode': 'subscribe',
      'hub.verify_token': messengerConfig.verify_token,
      'hub.challenge': '2009871234',
    };
    expect(messengerAdapter.handshake!(query, messengerConfig)).toEqual({ ok: true, body: '2009871234' });
  });
});
