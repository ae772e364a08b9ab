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
    expect((await get()).json()).toEqual({ ...defaultAgentSettings, ...settings });
  });

  it('audits every change with the changed fields and the tool policy, never the prompt', async () => {
    await put({ systemPrompt: 'SECRET-PROMPT', approvalRequired: ['send_email'], maxToolCalls: 3 });
    const rows = await store.db.auditLog.findMany({
      where: { tenantId: tenant.id, action: 'agent.settings_changed' },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.actor).toMatch(/^token:/);
    expect(JSON.parse(rows[0]!.details)).toEqual({
      changed: ['systemPrompt', 'approvalRequired', 'maxToolCalls'],
      enabledTools: defaultAgentSettings.enabledTools,
      approvalRequired: ['send_email'],
    });
    expect(rows[0]!.details).not.toContain('SECRET');
  });

  it('keeps staff tools off by default and has a documented default for every budget', () => {
    expect(defaultAgentSettings.enabledTools).not.toContain('read_calendar');
    expect(defaultAgentSettings.enabledTools).not.toContain('create_event');
    expect(defaultAgentSettings).toMatchObject({
      approvalRequired: [],
      maxToolRounds: 4,
      maxToolCalls: 8,
      maxTokens: 1_000,
      turnTimeoutSeconds: 60,
      burstReplies: 'once',
      maxRepliesPerContactHour: 30,
      dailyTokenLimit: null,
    });
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
