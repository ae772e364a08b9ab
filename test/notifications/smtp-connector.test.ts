import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmailWorld, startEmailWorld } from '../channels/email/email-gateway.ts';
import {
  FAKE_SMTP_PASSWORD,
  type FakeSmtpServer,
  smtpValues,
  startFakeSmtpServer,
} from '../fakes/smtp-server.ts';
import type { TestTenant } from '../support/gateway.ts';

describe('the smtp connector in the hub', () => {
  let world: EmailWorld;
  let smtp: FakeSmtpServer;
  let tenant: TestTenant;

  beforeEach(async () => {
    world = await startEmailWorld();
    smtp = await startFakeSmtpServer();
    tenant = await world.gateway.createTenant('bakery');
  });

  afterEach(async () => {
    await smtp.close();
    await world.stop();
  });

  const call = (method: 'GET' | 'PUT' | 'POST', path: string, payload?: object) =>
    world.gateway.request({ method, url: `/admin/connector-hub${path}`, token: tenant.apiToken, payload });

  const status = async () =>
    (await call('GET', '/catalog')).json().items.find((item: { id: string }) => item.id === 'smtp').status;

  it('lists smtp with host, port, user, a secret password, from and notify_email', async () => {
    const entry = (await call('GET', '/catalog'))
      .json()
      .items.find((item: { id: string }) => item.id === 'smtp');
    expect(entry).toMatchObject({ name: 'System mail (SMTP)', category: 'email', status: 'not_configured' });
    const fields = Object.fromEntries(
      entry.fields.map((field: { key: string; secret: boolean; required: boolean }) => [field.key, field]),
    );
    expect(Object.keys(fields)).toEqual([
      'host',
      'port',
      'security',
      'user',
      'password',
      'from',
      'notify_email',
    ]);
    expect(fields.password).toMatchObject({ secret: true });
    expect(fields.host).toMatchObject({ required: true, secret: false });
    expect(fields.from).toMatchObject({ required: true, secret: false });
  });

  it("tests the connection with nodemailer's verify against the SMTP server", async () => {
    const saved = await call('PUT', '/smtp/config', smtpValues(smtp));
    expect(saved.json()).toMatchObject({
      status: 'configured',
      values: { password: expect.stringMatching(/^••••/) },
    });
    expect(saved.body).not.toContain(FAKE_SMTP_PASSWORD);
    expect((await call('POST', '/smtp/test')).json()).toEqual({
      ok: true,
      detail: `127.0.0.1:${smtp.port} answered and accepted the login of switchboard`,
    });
    expect(await status()).toBe('connected');
  });

  it('reports a wrong password as a failed test and status error', async () => {
    await call('PUT', '/smtp/config', smtpValues(smtp, { password: 'the-wrong-password' }));
    const check = await call('POST', '/smtp/test');
    expect(check.json()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/authentication failed: check user and password$/),
    });
    expect(check.body).not.toContain('the-wrong-password');
    expect(await status()).toBe('error');
  });

  it('refuses a configuration it could not use', async () => {
    const response = await call('PUT', '/smtp/config', smtpValues(smtp, { security: 'ssl' }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'VALIDATION_FAILED',
      message: expect.stringContaining('security'),
    });
  });

  it.each(['en', 'de'] as const)('has setup docs in %s', async (language) => {
    const markdown = (await call('GET', `/smtp/setup-docs?lang=${language}`)).json().markdown;
    expect(markdown).toContain('starttls');
    expect(markdown).toMatch(language === 'de' ? /Benachrichtigungsadresse/ : /Notify email/);
  });

  it('has no webhook', async () => {
    const response = await world.gateway.app.inject({
      method: 'POST',
      url: '/webhook/smtp/bakery',
      payload: {},
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toBe('UNKNOWN_CHANNEL');
  });
});
