import { describe, expect, it } from 'vitest';
import { channels } from '../../../src/channels/registry.ts';
import { smsAdapter } from '../../../src/channels/sms/adapter.ts';

describe('the SMS adapter', () => {
  it('is registered as "sms"', () => {
    expect(channels.sms).toBe(smsAdapter);
  });

  it('takes Twilio form posts on the webhook and its /status route, answering empty TwiML', () => {
    expect(smsAdapter.contentTypes).toEqual(['application/x-www-form-urlencoded']);
    expect(smsAdapter.webhookSubpaths).toEqual(['/status']);
    expect(smsAdapter.acknowledgement).toEqual({ contentType: 'text/xml', body: '<Response/>' });
  });

  it('sends one message per second per account and splits replies by SMS segments', () => {
    expect(smsAdapter.policy).toEqual({ accountSendsPerSecond: 1 });
    expect(smsAdapter.maxTextLength).toBe(1600);
    expect(smsAdapter.splitText?.('a'.repeat(1600))).toEqual(['a'.repeat(1530), 'a'.repeat(70)]);
  });
});
