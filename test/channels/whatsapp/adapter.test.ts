import { describe, expect, it } from 'vitest';
import { whatsappAdapter } from '../../../src/channels/whatsapp/adapter.ts';
import { whatsappConfig, whatsappFixtures } from './fixtures.ts';

describe('whatsapp adapter', () => {
  it('is registered under its connector id with the Cloud API limits and the 24-hour window', () => {
    expect(whatsappAdapter.id).toBe('whatsapp');
    expect(whatsappAdapter.connector.id).toBe('whatsapp');
    expect(whatsappAdapter.maxTextLength).toBe(4096);
    expect(whatsappAdapter.policy).toEqual({ customerServiceWindowHours: 24, accountSendsPerSecond: 80 });
    expect(whatsappAdapter.contentTypes).toEqual(['application/json']);
    expect(whatsappAdapter.bodyLimitBytes).toBeGreaterThanOrEqual(3_000_000);
  });

  it('declares its fields with the secrets marked, and the template fields the dispatcher reads', () => {
    expect(
      whatsappAdapter.connector.fields.map(({ key, required, secret }) => ({ key, required, secret })),
    ).toEqual([
      { key: 'phone_number_id', required: true, secret: false },
      { key: 'access_token', required: true, secret: true },
      { key: 'verify_token', required: false, secret: false },
      { key: 'app_secret', required: false, secret: true },
      { key: 'template_name', required: false, secret: false },
      { key: 'template_language', required: false, secret: false },
    ]);
    expect(whatsappAdapter.connector.docs.en).toContain('/webhook/whatsapp/');
    expect(whatsappAdapter.connector.docs.de).toContain('/webhook/whatsapp/');
  });

  it('verifies and parses a delivery exactly as Meta sends it', () => {
    const request = whatsappFixtures.request('location', whatsappFixtures.recordedSignature('location'));
    expect(whatsappAdapter.verify(request, whatsappConfig)).toEqual({ ok: true });
    expect(whatsappAdapter.parse(request, whatsappConfig)).toEqual([
      expect.objectContaining({ type: 'message', kind: 'location', chatId: '15550000001' }),
    ]);
  });

  it('refuses a correctly signed delivery when the configuration has no app secret', () => {
    const request = whatsappFixtures.request('text', whatsappFixtures.recordedSignature('text'));
    const { app_secret: _omitted, ...withoutSecret } = whatsappConfig;
    expect(whatsappAdapter.verify(request, withoutSecret).ok).toBe(false);
  });
});
