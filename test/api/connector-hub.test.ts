import { beforeEach, describe, expect, it } from 'vitest';
import { generateKeySpecification, parseKeyRing } from '../../src/connectors/key-ring.ts';
import { FAKE_BOT_TOKEN } from '../fakes/telegram-api.ts';
import { PUBLIC_URL, type TestTenant } from '../support/gateway.ts';
import { expectError, useGatewayWorld } from './gateway-world.ts';

type Method = 'GET' | 'PUT' | 'DELETE' | 'POST';

const REJECTED_TOKEN = '7000000077:a-token-the-fake-does-not-know';

describe('connector hub', () => {
  const world = useGatewayWorld();
  let tenant: TestTenant;

  beforeEach(async () => {
    tenant = await world.gateway.createTenant('bakery');
  });

  const call = (
    method: Method,
    path: string,
    options: { payload?: object; headers?: Record<string, string> } = {},
  ) =>
    world.gateway.request({ method, url: `/admin/connector-hub${path}`, token: tenant.apiToken, ...options });

  async function catalogStatus(): Promise<string> {
    const response = await call('GET', '/catalog');
    expect(response.statusCode).toBe(200);
    return response.json().items.find((item: { id: string }) => item.id === 'telegram').status;
  }

  const setWebhookCalls = () => world.telegram.calls.filter((entry) => entry.method === 'setWebhook');

  it('lists Telegram with its fields, not configured before anything is saved', async () => {
    const response = await call('GET', '/catalog');
    const telegram = response.json().items.find((item: { id: string }) => item.id === 'telegram');
    expect(telegram).toMatchObject({
      id: 'telegram',
      name: 'Telegram',
      category: 'messaging',
      status: 'not_configured',
    });
    expect(
      telegram.fields.map((field: { key: string; required: boolean; secret: boolean }) => field),
    ).toEqual([
      expect.objectContaining({ key: 'bot_token', required: true, secret: true }),
      expect.objectContaining({ key: 'webhook_secret', required: false, secret: true }),
      expect.objectContaining({ key: 'admin_chat_id', required: false, secret: false }),
    ]);
  });

  it('moves the status from not_configured to connected, error, connected again and back to not_configured', async () => {
    expect(await catalogStatus()).toBe('not_configured');
    const saved = await call('PUT', '/telegram/config', { payload: { bot_token: FAKE_BOT_TOKEN } });
    expect(saved.json()).toMatchObject({ connectorId: 'telegram', status: 'connected', statusDetail: null });
    expect(await catalogStatus()).toBe('connected');

    world.telegram.fail('getMe', [{ status: 401 }]);
    const failed = await call('POST', '/telegram/test');
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toEqual({
      ok: false,
      detail: expect.stringMatching(/does not accept the bot token/),
    });
    expect(failed.body).not.toContain(FAKE_BOT_TOKEN);
    expect(await catalogStatus()).toBe('error');
    expect((await call('GET', '/telegram/config')).json().statusDetail).toBe(failed.json().detail);

    expect((await call('POST', '/telegram/test')).json()).toEqual({ ok: true, detail: '@gateway_test_bot' });
    expect(await catalogStatus()).toBe('connected');

    expect((await call('DELETE', '/telegram/config')).statusCode).toBe(204);
    expect(await catalogStatus()).toBe('not_configured');
    expect((await call('GET', '/telegram/config')).json()).toEqual({
      connectorId: 'telegram',
      status: 'not_configured',
      statusDetail: null,
      values: {},
      details: {},
      updatedAt: null,
    });
  });

  it('stores a bot token Telegram rejects with status error and a detail that does not repeat the token', async () => {
    const saved = await call('PUT', '/telegram/config', { payload: { bot_token: REJECTED_TOKEN } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({
      status: 'error',
      statusDetail: expect.stringMatching(
        /registering the webhook failed: Telegram does not accept the bot token/,
      ),
    });
    expect(saved.body).not.toContain(REJECTED_TOKEN);
    expect(await catalogStatus()).toBe('error');
    expect((await call('POST', '/telegram/test')).json()).toMatchObject({ ok: false });
    expect(await catalogStatus()).toBe('error');
  });

  it("registers the webhook at PUBLIC_URL/webhook/telegram/<slug> with a generated secret in Telegram's alphabet", async () => {
    await call('PUT', '/telegram/config', { payload: { bot_token: FAKE_BOT_TOKEN } });
    const [registration] = setWebhookCalls();
    expect(registration).toMatchObject({
      token: FAKE_BOT_TOKEN,
      body: { url: `${PUBLIC_URL}/webhook/telegram/bakery` },
    });
    const secret = String(registration!.body.secret_token);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(world.telegram.calls.map((entry) => entry.method)).toEqual(['setWebhook', 'getMe']);

    const other = await world.connectedTenant('florist');
    expect(other.webhookSecret).not.toBe(secret);
    await call('PUT', '/telegram/config', { payload: { webhook_secret: 'chosen_by-staff' } });
    expect(setWebhookCalls().at(-1)!.body).toMatchObject({
      url: `${PUBLIC_URL}/webhook/telegram/bakery`,
      secret_token: 'chosen_by-staff',
    });
  });

  it('tests the connection and reports the bot username', async () => {
    await call('PUT', '/telegram/config', { payload: { bot_token: FAKE_BOT_TOKEN } });
    const tested = await call('POST', '/telegram/test');
    expect(tested.statusCode).toBe(200);
    expect(tested.json()).toEqual({ ok: true, detail: '@gateway_test_bot' });
  });

  it('serves setup docs in English, and in German by ?lang=de or Accept-Language: de', async () => {
    const docs = async (query: string, headers: Record<string, string> = {}) => {
      const response = await call('GET', `/telegram/setup-docs${query}`, { headers });
      expect(response.statusCode).toBe(200);
      return response.json<{ connectorId: string; language: string; markdown: string }>();
    };
    const english = await docs('');
    const german = await docs('?lang=de');
    expect(english).toMatchObject({ connectorId: 'telegram', language: 'en' });
    expect(english.markdown).toContain('Connect a Telegram bot');
    expect(german).toMatchObject({ connectorId: 'telegram', language: 'de' });
    expect(german.markdown).toContain('Telegram-Bot verbinden');
    expect(german.markdown).not.toBe(english.markdown);
    expect(await docs('', { 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' })).toEqual(german);
    expect(await docs('?lang=en', { 'accept-language': 'de' })).toEqual(english);
  });

  it('answers 404 NOT_FOUND to deleting or testing a connector that was never configured', async () => {
    expectError(await call('DELETE', '/telegram/config'), 404, 'NOT_FOUND');
    expectError(await call('POST', '/telegram/test'), 404, 'NOT_FOUND');
    // The tenant's creation is audited; nothing about its connectors is.
    expect(await world.store.db.auditLog.count({ where: { action: { startsWith: 'connector.' } } })).toBe(0);
  });

  it('answers 404 UNKNOWN_CONNECTOR on every connector route for an id that does not exist', async () => {
    const requests: Array<[Method, string]> = [
      ['GET', '/nope/config'],
      ['PUT', '/nope/config'],
      ['DELETE', '/nope/config'],
      ['GET', '/nope/setup-docs'],
      ['POST', '/nope/test'],
    ];
    for (const [method, path] of requests) {
      const response = await call(
        method,
        path,
        method === 'PUT' ? { payload: { bot_token: FAKE_BOT_TOKEN } } : {},
      );
      expectError(response, 404, 'UNKNOWN_CONNECTOR');
    }
    expect(world.telegram.calls).toEqual([]);
  });

  it('shows what setup learned as read-only details, so the fields can be sent back unchanged', async () => {
    await call('PUT', '/telegram/config', { payload: { bot_token: FAKE_BOT_TOKEN } });
    const shown = (await call('GET', '/telegram/config')).json();
    expect(shown.details).toEqual({ bot_username: 'gateway_test_bot', bot_id: '7000000001' });
    expect(Object.keys(shown.values).sort()).toEqual(['bot_token', 'webhook_secret']);
    const resent = await call('PUT', '/telegram/config', { payload: shown.values });
    expect(resent.statusCode, resent.body).toBe(200);
    expect(resent.json().values).toEqual(shown.values);
  });

  it('unregisters the webhook when the configuration is deleted, and deletes even when Telegram fails', async () => {
    await call('PUT', '/telegram/config', { payload: { bot_token: FAKE_BOT_TOKEN } });
    expect((await call('DELETE', '/telegram/config')).statusCode).toBe(204);
    expect(world.telegram.calls.filter((entry) => entry.method === 'deleteWebhook')).toHaveLength(1);

    await call('PUT', '/telegram/config', { payload: { bot_token: FAKE_BOT_TOKEN } });
    world.telegram.fail('deleteWebhook', [{ status: 500 }]);
    expect((await call('DELETE', '/telegram/config')).statusCode).toBe(204);
    expect(await world.connectorRow(tenant)).toBeNull();
    const audit = await world.store.db.auditLog.findFirstOrThrow({
      where: { action: 'connector.config.deleted' },
      orderBy: { createdAt: 'desc' },
    });
    expect(JSON.parse(audit.details)).toEqual({ unregistered: false });
  });

  it('explains a configuration whose key left the key ring, and still lets it be deleted', async () => {
    await call('PUT', '/telegram/config', { payload: { bot_token: FAKE_BOT_TOKEN } });
    await world.restart({ keyRing: parseKeyRing(generateKeySpecification()) });
    const unreadable = expectError(await call('GET', '/telegram/config'), 500, 'CONFIG_UNREADABLE');
    expect(unreadable).toMatch(/not in the key ring/);
    expect((await call('DELETE', '/telegram/config')).statusCode).toBe(204);
    expect(await catalogStatus()).toBe('not_configured');
  });
});
