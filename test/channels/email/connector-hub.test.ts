import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_SERVER_NAME, FAKE_SERVER_TOKEN } from '../../fakes/postmark-api.ts';
import { PUBLIC_URL, type TestTenant } from '../../support/gateway.ts';
import { type EmailWorld, startEmailWorld } from './email-gateway.ts';

describe('the email connector in the hub', () => {
  let world: EmailWorld;
  let tenant: TestTenant;

  beforeEach(async () => {
    world = await startEmailWorld();
    tenant = await world.gateway.createTenant('bakery');
  });

  afterEach(async () => {
    await world.stop();
  });

  const call = (method: 'GET' | 'PUT' | 'POST', path: string, payload?: object) =>
    world.gateway.request({ method, url: `/admin/connector-hub${path}`, token: tenant.apiToken, payload });

  async function catalogEntry(id: string) {
    const response = await call('GET', '/catalog');
    return response.json().items.find((item: { id: string }) => item.id === id);
  }

  it('lists email with its fields, the secret ones marked', async () => {
    const entry = await catalogEntry('email');
    expect(entry).toMatchObject({ id: 'email', category: 'email', status: 'not_configured' });
    expect(
      entry.fields.map(({ key, required, secret }: Record<string, unknown>) => ({ key, required, secret })),
    ).toEqual([
      { key: 'server_token', required: true, secret: true },
      { key: 'from_email', required: true, secret: false },
      { key: 'message_stream', required: false, secret: false },
      { key: 'inbound_webhook_user', required: false, secret: false },
      { key: 'inbound_webhook_password', required: false, secret: true },
    ]);
  });

  it('reveals the inbound URL with generated credentials once, in the PUT answer, and never in GET', async () => {
    const saved = await call('PUT', '/email/config', {
      server_token: FAKE_SERVER_TOKEN,
      from_email: 'Support <support@example.com>',
    });
    expect(saved.statusCode).toBe(200);
    const body = saved.json();
    const url = new URL(body.reveal.inbound_webhook_url);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/webhook/email/bakery`);
    expect(url.username).toBe(body.values.inbound_webhook_user);
    expect(url.password).toHaveLength(32);
    expect(body.values.inbound_webhook_password).toMatch(/^••••/);
    expect(body.values.server_token).not.toContain(FAKE_SERVER_TOKEN);
    // Nothing was asked of Postmark yet: configured, not connected.
    expect(body.status).toBe('configured');

    const read = await call('GET', '/email/config');
    expect(read.json()).not.toHaveProperty('reveal');
    expect(read.body).not.toContain(url.password);

    const row = await world.store.db.connectorConfig.findFirstOrThrow({ where: { connectorId: 'email' } });
    expect(`${row.values}${row.secrets}`).not.toContain(url.password);
    expect(`${row.values}${row.secrets}`).not.toContain('inbound_webhook_url');

    const resaved = await call('PUT', '/email/config', { from_email: 'help@example.com' });
    expect(resaved.json()).not.toHaveProperty('reveal');
    expect(resaved.body).not.toContain(url.password);
  });

  it('reveals a new URL after the password is cleared', async () => {
    const first = await call('PUT', '/email/config', {
      server_token: FAKE_SERVER_TOKEN,
      from_email: 'a@example.com',
    });
    const second = await call('PUT', '/email/config', { inbound_webhook_password: '' });
    const firstPassword = new URL(first.json().reveal.inbound_webhook_url).password;
    const secondPassword = new URL(second.json().reveal.inbound_webhook_url).password;
    expect(secondPassword).not.toBe(firstPassword);
  });

  it('refuses a configuration that cannot work, naming the field', async () => {
    const response = await call('PUT', '/email/config', {
      server_token: FAKE_SERVER_TOKEN,
      from_email: 'nope',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'VALIDATION_FAILED',
      message: expect.stringContaining('from_email'),
    });
  });

  it('tests the token with GET /server on Postmark and reports connected, or error for a rejected token', async () => {
    await call('PUT', '/email/config', { server_token: FAKE_SERVER_TOKEN, from_email: 'a@example.com' });
    expect((await call('POST', '/email/test')).json()).toEqual({
      ok: true,
      detail: `Postmark server "${FAKE_SERVER_NAME}"`,
    });
    expect((await catalogEntry('email')).status).toBe('connected');

    world.postmark.fail('server', [{ status: 401, errorCode: 10, message: 'Bad token' }]);
    const failed = await call('POST', '/email/test');
    expect(failed.json()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/does not accept the server token/),
    });
    expect((await catalogEntry('email')).status).toBe('error');
  });

  it.each(['en', 'de'] as const)('has setup docs in %s that explain the inbound URL', async (language) => {
    const docs = await call('GET', `/email/setup-docs?lang=${language}`);
    expect(docs.json().markdown).toContain('/webhook/email/');
    expect(docs.json().markdown).toMatch(language === 'de' ? /Eingangs-Webhook-URL/ : /inbound webhook URL/);
  });
});
