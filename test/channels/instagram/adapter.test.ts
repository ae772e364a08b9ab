import { describe, expect, it } from 'vitest';
import { instagramAdapter } from '../../../src/channels/instagram/adapter.ts';
import { instagramConfig, instagramFixtures } from './fixtures.ts';

describe('instagram adapter', () => {
  it('is registered with the 24-hour window, the human-agent window and its own splitting', () => {
    expect(instagramAdapter.id).toBe('instagram');
    expect(instagramAdapter.connector.id).toBe('instagram');
    expect(instagramAdapter.maxTextLength).toBe(1000);
    expect(instagramAdapter.splitText).toBeDefined();
    expect(instagramAdapter.policy).toMatchObject({
      customerServiceWindowHours: 24,
      humanAgentWindowHours: 168,
    });
  });

  it('declares its fields with the secrets marked', () => {
    expect(
      instagramAdapter.connector.fields.map(({ key, required, secret }) => ({ key, required, secret })),
    ).toEqual([
      { key: 'instagram_account_id', required: true, secret: false },
      { key: 'page_access_token', required: true, secret: true },
      { key: 'verify_token', required: false, secret: false },
      { key: 'app_secret', required: false, secret: true },
    ]);
    expect(instagramAdapter.connector.docs.en).toContain('/webhook/instagram/');
    expect(instagramAdapter.connector.docs.de).toContain('/webhook/instagram/');
  });

  it('verifies with the Instagram app secret and refuses the Facebook one', () => {
    const request = instagramFixtures.request('text', instagramFixtures.recordedSignature('text'));
    expect(instagramAdapter.verify(request, instagramConfig)).toEqual({ ok: true });
    expect(
      instagramAdapter.verify(request, {
        ...instagramConfig,
        app_secret: 'fake_meta_app_secret_0123456789ab',
      }).ok,
    ).toBe(false);
  });
});
