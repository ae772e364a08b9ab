/**
 * Invites by email: the set-password link goes out through the tenant's own SMTP server,
 * or the operator's (`SMTP_URL`) for a tenant without one, to a real SMTP server on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/core/config.ts';
import {
  FAKE_SMTP_PASSWORD,
  FAKE_SMTP_USER,
  type FakeSmtpServer,
  smtpValues,
  startFakeSmtpServer,
} from '../fakes/smtp-server.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { startTestGateway, type TestGateway, type TestTenant } from '../support/gateway.ts';
import { STAFF_PASSWORD } from './staff-support.ts';

describe('invites by email', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let operatorSmtp: FakeSmtpServer;
  let tenantSmtp: FakeSmtpServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram({ tokens: [FAKE_BOT_TOKEN] });
    operatorSmtp = await startFakeSmtpServer();
    tenantSmtp = await startFakeSmtpServer();
    gateway = await startTestGateway({
      store,
      telegram,
      environment: {
        SMTP_URL: `smtp://${FAKE_SMTP_USER}:${FAKE_SMTP_PASSWORD}@127.0.0.1:${operatorSmtp.port}?security=none`,
        SMTP_FROM: 'Switchboard Operator <ops@example.net>',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await operatorSmtp?.close();
    await tenantSmtp?.close();
    await telegram?.close();
    await store?.dispose();
  });

  const invite = (tenant: TestTenant, email: string) =>
    gateway.request({
      method: 'POST',
      url: '/admin/users',
      token: tenant.apiToken,
      payload: { email, name: 'Ada', role: 'agent' },
    });

  it("sends the link through the tenant's own SMTP server, and the link from the mail works once", async () => {
    const tenant = await gateway.createTenant('own-mail', 'Bakery Schmidt');
    const configured = await gateway.request({
      method: 'PUT',
      url: '/admin/connector-hub/smtp/config',
      token: tenant.apiToken,
      payload: smtpValues(tenantSmtp),
    });
    expect(configured.statusCode, configured.body).toBe(200);

    const response = await invite(tenant, 'ada@bakery.test');
    expect(response.statusCode, response.body).toBe(201);
    const { inviteUrl, inviteEmail } = response.json();
    expect(inviteEmail).toEqual({ status: 'sent', via: 'tenant' });
    expect(operatorSmtp.received).toEqual([]);
    expect(tenantSmtp.received).toHaveLength(1);
    const [mail] = tenantSmtp.received;
    expect(mail).toMatchObject({
      envelopeTo: ['ada@bakery.test'],
      envelopeFrom: 'alerts@example.com',
      subject: '[Bakery Schmidt] You are invited to the Switchboard workspace',
    });
    expect(mail!.text).toContain(inviteUrl);

    const token = new URL(/https:\/\/\S+/.exec(mail!.text)![0]).searchParams.get('invite');
    const accept = () =>
      gateway.app.inject({
        method: 'POST',
        url: '/auth/set-password',
        payload: { token, password: STAFF_PASSWORD },
      });
    expect((await accept()).statusCode).toBe(200);
    expect((await accept()).statusCode).toBe(404);
    const audit = await store.db.auditLog.findMany({
      where: { tenantId: tenant.id, action: 'staff.invite_emailed' },
    });
    expect(audit.map((row) => JSON.parse(row.details))).toEqual([{ status: 'sent', via: 'tenant' }]);
    // The audit log names the outcome, never the address or the link.
    expect(JSON.stringify(audit)).not.toContain(token!);
  });

  it("uses the operator's SMTP server for a tenant without one", async () => {
    const tenant = await gateway.createTenant('no-mail', 'Garage Berg');
    const response = await invite(tenant, 'ben@garage.test');
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().inviteEmail).toEqual({ status: 'sent', via: 'operator' });
    const mail = operatorSmtp.received.find((received) => received.envelopeTo.includes('ben@garage.test'));
    expect(mail).toMatchObject({
      envelopeFrom: 'ops@example.net',
      from: '"Switchboard Operator" <ops@example.net>',
    });
    expect(mail!.text).toContain(response.json().inviteUrl);
  });

  it('still creates the user and shows the link when the mail server refuses, saying why', async () => {
    const tenant = await gateway.createTenant('refused-mail');
    operatorSmtp.refuseNext(1, 554);
    const response = await invite(tenant, 'cy@refused.test');
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      inviteUrl: expect.stringContaining('invite='),
      inviteEmail: { status: 'failed', via: 'operator', detail: expect.stringContaining('answered 554') },
    });
    expect(await store.db.staffUser.count({ where: { tenantId: tenant.id } })).toBe(1);
  });

  it('asks for SMTP_FROM with SMTP_URL', () => {
    expect(() => parseConfig({ SMTP_URL: 'smtp://mail.example.com:587' })).toThrow(ConfigError);
    expect(() => parseConfig({ SMTP_URL: 'http://mail.example.com', SMTP_FROM: 'a@example.com' })).toThrow(
      /SMTP_URL/,
    );
    expect(
      parseConfig({ SMTP_URL: 'smtps://u%40x:p%3Aw@mail.example.com', SMTP_FROM: 'a@example.com' })
        .operatorSmtp,
    ).toEqual({
      host: 'mail.example.com',
      security: 'tls',
      user: 'u@x',
      password: 'p:w',
      from: 'a@example.com',
    });
  });
});
