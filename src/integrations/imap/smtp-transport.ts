import nodemailer from 'nodemailer';
import type { MailSettings } from './settings.ts';

const connectTimeoutMs = 10_000;
const socketTimeoutMs = 20_000;

/**
 * A one-shot SMTP transport for the connector's settings. `tls` true is implicit TLS (465);
 * false uses STARTTLS when the server offers it. Closed when `signal` aborts.
 */
export function createSmtpTransport(settings: MailSettings['smtp'], signal: AbortSignal) {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.tls,
    auth: { user: settings.user, pass: settings.password },
    connectionTimeout: connectTimeoutMs,
    greetingTimeout: connectTimeoutMs,
    socketTimeout: socketTimeoutMs,
  });
  signal.addEventListener('abort', () => transport.close(), { once: true });
  return transport;
}
