import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, FAKE_SMS_NUMBER } from '../../fakes/twilio-api.ts';
import { startVoiceLine, type VoiceLine } from './voice-line.ts';

/** Setting up a gateway and its database takes long on a loaded machine (PostgreSQL especially). */
const HOOK_TIMEOUT_MS = 120_000;

describe('voice: the connector', () => {
  let line: VoiceLine;

  beforeAll(async () => {
    line = await startVoiceLine();
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await line.close();
  }, HOOK_TIMEOUT_MS);

  const hub = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, payload?: object) =>
    line.gateway.request({
      method,
      url: `/admin/connector-hub/voice${path}`,
      token: line.tenant.apiToken,
      ...(payload ? { payload } : {}),
    });

  it('has the issue’s fields and setup docs in English and German', async () => {
    const catalog = await line.gateway.request({
      method: 'GET',
      url: '/admin/connector-hub/catalog',
      token: line.tenant.apiToken,
    });
    expect(catalog.statusCode).toBe(200);
    const voice = (
      catalog.json().items as Array<{ id: string; category: string; fields: Array<{ key: string }> }>
    ).find((connector) => connector.id === 'voice');
    expect(voice?.category).toBe('voice');
    expect(voice?.fields.map((field) => field.key)).toEqual([
      'account_sid',
      'auth_token',
      'voice_number',
      'mode',
      'language',
      'voice',
      'greeting',
      'staff_number',
    ]);
    for (const [language, words] of [
      ['en', 'A call comes in'],
      ['de', 'Mitarbeiternummer'],
    ] as const) {
      const docs = await hub('GET', `/setup-docs?lang=${language}`);
      expect(docs.statusCode).toBe(200);
      expect(docs.body).toContain(words);
      expect(docs.body).toContain('/voice/incoming/');
    }
  });

  it('refuses values that cannot work, naming the field', async () => {
    for (const [values, field] of [
      [{ voice_number: '0151 2345' }, 'voice_number'],
      [{ voice_number: FAKE_SMS_NUMBER, mode: 'telepathy' }, 'mode'],
      [{ voice_number: FAKE_SMS_NUMBER, staff_number: 'reception' }, 'staff_number'],
      [{ voice_number: FAKE_SMS_NUMBER, account_sid: FAKE_ACCOUNT_SID }, 'auth_token'],
      [{ voice_number: FAKE_SMS_NUMBER, language: 'en US' }, 'language'],
    ] as const) {
      const response = await hub('PUT', '/config', values);
      expect(response.statusCode, JSON.stringify(values)).toBe(400);
      expect(response.json().error).toBe('VALIDATION_FAILED');
      expect(response.json().message).toContain(field);
    }
  });

  it('tests its own account against Twilio and finds the voice number in it', async () => {
    expect(
      (
        await hub('PUT', '/config', {
          voice_number: FAKE_SMS_NUMBER,
          account_sid: FAKE_ACCOUNT_SID,
          auth_token: FAKE_AUTH_TOKEN,
        })
      ).statusCode,
    ).toBe(200);
    const found = await hub('POST', '/test');
    expect(found.json()).toMatchObject({ ok: true });
    expect(found.json().detail).toContain(`${FAKE_SMS_NUMBER} answers in conversation_relay mode`);

    expect(
      (
        await hub('PUT', '/config', {
          voice_number: '+15550001234',
          account_sid: FAKE_ACCOUNT_SID,
          auth_token: FAKE_AUTH_TOKEN,
        })
      ).statusCode,
    ).toBe(200);
    const missing = await hub('POST', '/test');
    expect(missing.json()).toMatchObject({
      ok: false,
      detail: '+15550001234 is not a phone number of this Twilio account',
    });

    // Saved secrets are kept when a save leaves them empty, so the stored configuration goes first.
    expect((await hub('DELETE', '/config')).statusCode).toBe(204);
    expect((await hub('PUT', '/config', { voice_number: FAKE_SMS_NUMBER })).statusCode).toBe(200);
    const borrowed = await hub('POST', '/test');
    expect(borrowed.json().ok).toBe(false);
    expect(borrowed.json().detail).toContain("SMS connector's account");
  });
});
