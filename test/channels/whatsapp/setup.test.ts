import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareWhatsAppConfig } from '../../../src/channels/whatsapp/config.ts';
import { checkWhatsAppConnection, setupWhatsApp } from '../../../src/channels/whatsapp/setup.ts';
import { FAKE_WHATSAPP, type FakeMetaGraph, startFakeMetaGraph } from '../../fakes/meta-graph.ts';
import { graphEnvironment } from '../meta/support.ts';
import { whatsappConfig } from './fixtures.ts';

let fake: FakeMetaGraph;

beforeEach(async () => {
  fake = await startFakeMetaGraph();
});

afterEach(async () => {
  await fake.close();
});

const contextWith = (config: Record<string, string>) => ({
  config,
  environment: graphEnvironment(fake.baseUrl),
  tenantSlug: 'acme',
  webhookUrl: 'https://gateway.example.com/webhook/whatsapp/acme',
});

describe('WhatsApp setup', () => {
  it('learns the phone number and verified name behind the phone number id', async () => {
    expect(await setupWhatsApp(contextWith(whatsappConfig))).toEqual({
      values: { display_phone_number: '+15550009999', verified_name: FAKE_WHATSAPP.verifiedName },
    });
    expect(fake.calls[0]).toMatchObject({
      method: 'GET',
      path: `/${FAKE_WHATSAPP.phoneNumberId}`,
      query: { fields: 'display_phone_number,verified_name' },
    });
  });

  it('fails with the reason inbound cannot work when no app secret is set, before calling Meta', async () => {
    const { app_secret: _omitted, ...withoutSecret } = whatsappConfig;
    await expect(setupWhatsApp(contextWith(withoutSecret))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/^app_secret is not set, so every webhook from Meta is refused/),
    });
    expect(fake.calls).toEqual([]);
  });

  it('names the step when Meta refuses the token', async () => {
    await expect(
      setupWhatsApp(contextWith({ ...whatsappConfig, access_token: 'EAAwrong' })),
    ).rejects.toMatchObject({
      code: 'PROVIDER_REJECTED',
      message: expect.stringContaining('reading the phone number failed'),
    });
  });
});

describe('WhatsApp connection test', () => {
  it('shows the number and business name the token reaches', async () => {
    expect(await checkWhatsAppConnection(contextWith(whatsappConfig))).toEqual({
      ok: true,
      detail: `+15550009999 (${FAKE_WHATSAPP.verifiedName})`,
    });
  });

  it('fails, saying why, when the token works but no app secret is set', async () => {
    const { app_secret: _omitted, ...withoutSecret } = whatsappConfig;
    const check = await checkWhatsAppConnection(contextWith(withoutSecret));
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('+15550009999');
    expect(check.detail).toContain('app_secret is not set');
  });

  it('fails with what Meta said when the phone number id is not the token’s', async () => {
    const check = await checkWhatsAppConnection(
      contextWith({ ...whatsappConfig, phone_number_id: '100000000000009' }),
    );
    expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('does not exist') });
  });

  it('fails when Meta cannot be reached', async () => {
    const check = await checkWhatsAppConnection({
      config: whatsappConfig,
      environment: graphEnvironment('http://127.0.0.1:9'),
    });
    expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('could not reach Meta') });
  });
});

describe('WhatsApp configuration', () => {
  it('generates a verify token and accepts a template name and language', () => {
    const prepared = prepareWhatsAppConfig({
      phone_number_id: '100000000000001',
      access_token: 'EAAx',
      template_name: 'order_update',
      template_language: 'en_US',
    });
    expect(prepared.verify_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(prepared).toMatchObject({ template_name: 'order_update', template_language: 'en_US' });
  });

  it.each([
    ['a template name with spaces', { template_name: 'Order Update' }, 'template_name'],
    ['a template language that is not a code', { template_language: 'English' }, 'template_language'],
    ['a phone number instead of its id', { phone_number_id: '+1 555 000 9999' }, 'phone_number_id'],
  ])('refuses %s', (_name, change, field) => {
    expect(() => prepareWhatsAppConfig({ ...whatsappConfig, ...change })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.stringContaining(field) }),
    );
  });
});
