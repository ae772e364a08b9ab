import { describe, expect, it } from 'vitest';
import { readSmtpSettings } from '../../src/notifications/smtp-settings.ts';

const minimal = { host: 'smtp.example.com', from: 'alerts@example.com' };

describe('SMTP settings', () => {
  it('requires STARTTLS on port 587 unless told otherwise', () => {
    expect(readSmtpSettings(minimal)).toEqual({
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      from: 'alerts@example.com',
      notifyEmails: [],
    });
  });

  it('uses implicit TLS for port 465, and port 465 for security tls', () => {
    expect(readSmtpSettings({ ...minimal, port: '465' })).toMatchObject({ port: 465, security: 'tls' });
    expect(readSmtpSettings({ ...minimal, security: 'tls' })).toMatchObject({ port: 465, security: 'tls' });
  });

  it('keeps the login and splits notify_email at commas', () => {
    expect(
      readSmtpSettings({
        ...minimal,
        user: 'u',
        password: 'p',
        notify_email: 'a@example.com,  b@example.com ,',
      }),
    ).toMatchObject({ auth: { user: 'u', password: 'p' }, notifyEmails: ['a@example.com', 'b@example.com'] });
  });

  it.each([
    ['a host with a scheme', { host: 'smtp://smtp.example.com' }, 'host'],
    ['a port out of range', { port: '70000' }, 'port'],
    ['an unknown security mode', { security: 'ssl' }, 'security must be tls, starttls or none'],
    ['a user without a password', { user: 'u' }, 'user and password'],
    ['a password without a user', { password: 'p' }, 'user and password'],
    ['a sender that is not an address', { from: 'alerts' }, 'from'],
    ['a notify address that is not one', { notify_email: 'staff@example.com; boss' }, 'notify_email'],
  ])('refuses %s, naming the field', (_name, change, expected) => {
    expect(() => readSmtpSettings({ ...minimal, ...change })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining(expected),
      }),
    );
  });
});
