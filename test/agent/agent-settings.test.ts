import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultAgentSettings } from '../../src/agent/settings.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { startTestGateway, type TestGateway, type TestTenant } from '../support/gateway.ts';

let store: TestStore;
let telegram: FakeTelegram;
let gateway: TestGateway;
let tenant: TestTenant;

beforeEach(async () => {
  store = await createTestStore();
  telegram = await startFakeTelegram();
  gateway = await startTestGateway({ store, telegram });
  tenant = await gateway.createTenant('bakery');
});

afterEach(async () => {
  await gateway.close();
  await telegram.close();
  await store.dispose();
});

const get = () => gateway.request({ method: 'GET', url: '/admin/agent', token: tenant.apiToken });
const put = (payload: unknown) =>
  gateway.request({ method: 'PUT', url: '/admin/agent', token: tenant.apiToken, payload: payload as object });

describe('GET|PUT /admin/agent', () => {
  it('answers the defaults until settings are saved', async () => {
    const response = await get();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(defaultAgentSettings);
    expect(defaultAgentSettings.enabledTools).toContain('request_human');
  });

  it('stores the settings and fills fields left out with defaults', async () => {
    const settings = {
      systemPrompt: 'You are the bakery assistant.',
      faq: [{ question: 'Opening hours?', answer: 'Mon–Fri 7–18' }],
      language: 'de',
      enabledTools: ['read_calendar', 'request_human'],
      model: 'llama3.1',
      temperature: 0.7,
    };
    const saved = await put(settings);
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await get()).json()).toEqual({ ...settings, maxToolRounds: defaultAgentSettings.maxToolRounds });
  });

  it('refuses invalid settings, naming each field, and keeps the stored ones', async () => {
    await put({ systemPrompt: 'kept' });
    const response = await put({ temperature: 3, maxToolRounds: -1, language: 'fr', unknown: true });
    expect(response.statusCode).toBe(400);
    const { error, message } = response.json();
    expect(error).toBe('VALIDATION_FAILED');
    for (const field of ['temperature', 'maxToolRounds', 'language', 'unknown'])
      expect(message).toContain(field);
    expect((await get()).json().systemPrompt).toBe('kept');
  });

  it('needs a token', async () => {
    expect((await gateway.request({ method: 'GET', url: '/admin/agent' })).statusCode).toBe(401);
  });
});
