import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HELP_TEXT,
  prepareSmsConfig,
  readSmsAccount,
  smsConnector,
} from '../../../src/channels/sms/config.ts';
import { FAKE_MESSAGING_SERVICE_SID } from '../../fakes/twilio-api.ts';
import { smsConfig } from './fixtures.ts';

function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    return (error as Error).message;
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('the SMS connector', () => {
  it('declares the fields of the issue, with only the auth token secret', () => {
    expect(smsConnector.fields.map((field) => [field.key, field.required, field.secret])).toEqual([
      ['account_sid', true, false],
      ['auth_token', true, true],
      ['sms_number', true, false],
      ['messaging_service_sid', false, false],
      ['help_text', false, false],
      ['advanced_opt_out', false, false],
    ]);
  });

  it('documents setup in English and German, including the webhook and status URLs', () => {
    for (const docs of [smsConnector.docs.en, smsConnector.docs.de]) {
      expect(docs).toContain('/webhook/sms/');
      expect(docs).toContain('/status');
      expect(docs).toContain('STOP');
      expect(docs).toContain('10');
    }
    expect(smsConnector.docs.de).toMatch(/Zugangsdaten/);
  });
});

describe('preparing a configuration', () => {
  it('fills in the default HELP answer and normalizes the Advanced Opt-Out flag', () => {
    expect(prepareSmsConfig(smsConfig())).toMatchObject({
      help_text: DEFAULT_HELP_TEXT,
      advanced_opt_out: 'false',
    });
    expect(prepareSmsConfig(smsConfig({ advanced_opt_out: ' TRUE ', help_text: 'Ours' }))).toMatchObject({
      advanced_opt_out: 'true',
      help_text: 'Ours',
    });
  });

  it.each([
    ['account_sid', 'AC123', /account_sid must be AC followed by 32 hex digits/],
    ['auth_token', 'short', /auth_token must be the 32-character Auth Token/],
    ['sms_number', '5550009999', /sms_number must be in E\.164 form/],
    ['messaging_service_sid', 'MG-not-a-sid', /messaging_service_sid must be MG/],
    ['advanced_opt_out', 'maybe', /advanced_opt_out must be "true" or "false"/],
  ])('rejects a malformed %s', (key, value, message) => {
    expect(rejection(() => prepareSmsConfig(smsConfig({ [key]: value })))).toMatch(message);
  });

  it('keeps the account SID from changing an API path', () => {
    expect(rejection(() => prepareSmsConfig(smsConfig({ account_sid: `AC${'0'.repeat(30)}/..` })))).toMatch(
      /account_sid/,
    );
  });
});

describe('reading the account', () => {
  it('reads credentials, number and an optional Messaging Service', () => {
    expect(readSmsAccount(smsConfig({ messaging_service_sid: FAKE_MESSAGING_SERVICE_SID }))).toEqual({
      accountSid: 'AC00000000000000000000000000000001',
      authToken: 'd00dfeedd00dfeedd00dfeedd00dfeed',
      smsNumber: '+15550009999',
      messagingServiceSid: FAKE_MESSAGING_SERVICE_SID,
    });
    expect(readSmsAccount(smsConfig()).messagingServiceSid).toBeUndefined();
  });

  it('names a missing field', () => {
    const { sms_number: _removed, ...withoutNumber } = smsConfig();
    expect(rejection(() => readSmsAccount(withoutNumber))).toBe('sms_number is not set');
  });
});
