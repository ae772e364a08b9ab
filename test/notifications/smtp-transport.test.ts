import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSmtpSettings } from '../../src/notifications/smtp-settings.ts';
import { checkSmtpConnection, sendSmtpMail } from '../../src/notifications/smtp-transport.ts';
import {
  FAKE_SMTP_PASSWORD,
  type FakeSmtpServer,
  smtpValues,
  startFakeSmtpServer,
} from '../fakes/smtp-server.ts';
import { testEgress } from '../support/egress.ts';

describe('SMTP system mail against a real SMTP server on loopback', () => {
  let server: FakeSmtpServer;

  beforeAll(async () => {
    server = await startFakeSmtpServer();
  });

  afterAll(async () => {
    await server.close();
  });

  it('verifies the connection and the login without sending anything', async () => {
    const check = await checkSmtpConnection(smtpValues(server), testEgress);
    expect(check).toEqual({
      ok: true,
      detail: `127.0.0.1:${server.port} answered and accepted the login of switchboard`,
    });
    expect(server.logins.at(-1)).toEqual({ user: 'switchboard', accepted: true });
    expect(server.received).toHaveLength(0);
  });

  it('reports a wrong password as a failed check that does not repeat the password', async () => {
    const wrong = 'not-the-password-123';
    const check = await checkSmtpConnection(smtpValues(server, { password: wrong }), testEgress);
    expect(check.ok).toBe(false);
    expect(check.detail).toBe(
      `SMTP 127.0.0.1:${server.port}: authentication failed: check user and password`,
    );
    expect(check.detail).not.toContain(wrong);
    expect(check.detail).not.toContain(FAKE_SMTP_PASSWORD);
    expect(server.logins.at(-1)).toEqual({ user: 'switchboard', accepted: false });
  });

  it('refuses to log in over a connection that cannot be upgraded to TLS when STARTTLS is required', async () => {
    const before = server.logins.length;
    const check = await checkSmtpConnection(smtpValues(server, { security: 'starttls' }), testEgress);
    expect(check).toMatchObject({ ok: false, detail: expect.stringMatching(/TLS/) });
    // The password never went over the unencrypted connection.
    expect(server.logins).toHaveLength(before);
  });

  it('reports a server that does not answer as unreachable', async () => {
    const check = await checkSmtpConnection(smtpValues(server, { port: '9' }), testEgress);
    expect(check).toMatchObject({
      ok: false,
      detail: 'SMTP 127.0.0.1:9: connection refused',
    });
  });

  it('reports a configuration it cannot use without connecting', async () => {
    expect(await checkSmtpConnection(smtpValues(server, { port: 'seventy' }), testEgress)).toEqual({
      ok: false,
      detail: 'port must be a whole number from 1 to 65535',
    });
  });

  it('sends a plain-text mail from the configured sender to every notify address', async () => {
    const settings = readSmtpSettings(smtpValues(server, { notify_email: 'a@example.com, b@example.com' }));
    await sendSmtpMail(
      settings,
      {
        to: settings.notifyEmails,
        subject: 'Grüße',
        text: 'Zeile eins\nZeile zwei',
      },
      testEgress,
    );
    expect(server.received.at(-1)).toEqual({
      envelopeFrom: 'alerts@example.com',
      envelopeTo: ['a@example.com', 'b@example.com'],
      from: '"Switchboard" <alerts@example.com>',
      messageId: expect.stringMatching(/^<.+@example\.com>$/),
      subject: 'Grüße',
      text: 'Zeile eins\nZeile zwei\n',
    });
  });

  it.each([
    [451, 'PROVIDER_UNAVAILABLE', true],
    [554, 'PROVIDER_REJECTED', false],
  ])('maps a %i refusal to %s (retryable: %s)', async (responseCode, code, retryable) => {
    server.refuseNext(1, responseCode);
    const settings = readSmtpSettings(smtpValues(server));
    const sending = sendSmtpMail(
      settings,
      { to: settings.notifyEmails, subject: 's', text: 't' },
      testEgress,
    );
    await expect(sending).rejects.toMatchObject({ code, retryable });
  });
});
