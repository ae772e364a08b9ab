import nodemailer from 'nodemailer';
import type { ConnectionCheck, ConnectorValues } from '../core/connector.ts';
import { AppError } from '../core/errors.ts';
import { readSmtpSettings, type SmtpSettings } from './smtp-settings.ts';

/** Limits for one short notice; a server that takes longer is treated as unreachable and retried later. */
const CONNECTION_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 20_000;

/** One email to send. */
export interface SmtpMail {
  to: string[];
  subject: string;
  text: string;
}

/** A nodemailer SMTP transport for these settings; close it after use (no pooling for the odd notice). */
function createTransport(settings: SmtpSettings) {
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    // Credentials never travel in the clear by accident: STARTTLS must succeed unless staff chose `none`.
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.auth ? { auth: { user: settings.auth.user, pass: settings.auth.password } } : {}),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
}

/**
 * Connects, upgrades to TLS where configured and logs in (nodemailer's `verify()`), then
 * disconnects without sending. `detail` names the server, or what went wrong, never the password.
 */
export async function checkSmtpConnection(values: ConnectorValues): Promise<ConnectionCheck> {
  let settings: SmtpSettings;
  try {
    settings = readSmtpSettings(values);
  } catch (error) {
    return { ok: false, detail: (error as AppError).message };
  }
  const transport = createTransport(settings);
  try {
    await transport.verify();
    const login = settings.auth ? ` and accepted the login of ${settings.auth.user}` : '';
    return { ok: true, detail: `${settings.host}:${settings.port} answered${login}` };
  } catch (error) {
    return { ok: false, detail: toSmtpError(error, settings).message };
  } finally {
    transport.close();
  }
}

/**
 * Sends one plain-text email from the configured sender. Throws a catalogue AppError:
 * retryable for network trouble and temporary (4xx) refusals, permanent for a refused login
 * or a 5xx answer.
 */
export async function sendSmtpMail(settings: SmtpSettings, mail: SmtpMail): Promise<void> {
  const transport = createTransport(settings);
  try {
    await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text });
  } catch (error) {
    throw toSmtpError(error, settings);
  } finally {
    transport.close();
  }
}

/** nodemailer's error codes and SMTP reply codes, mapped to the catalogue; the password is scrubbed. */
export function toSmtpError(error: unknown, settings: SmtpSettings): AppError {
  const { code, responseCode, message } = error as { code?: string; responseCode?: number; message?: string };
  const password = settings.auth?.password;
  const raw = message ?? String(error);
  const reason = password ? raw.split(password).join('<password>') : raw;
  const server = `${settings.host}:${settings.port}`;
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new AppError(
      'PROVIDER_REJECTED',
      `the SMTP server ${server} refused the user name or password (${reason})`,
    );
  }
  if (code === 'ETLS') {
    return new AppError(
      'PROVIDER_REJECTED',
      `the SMTP server ${server} could not set up TLS; check the security setting (${reason})`,
    );
  }
  if (code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'ESOCKET' || code === 'EDNS') {
    return new AppError('NETWORK_ERROR', `could not reach the SMTP server ${server} (${reason})`);
  }
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return new AppError('PROVIDER_UNAVAILABLE', `the SMTP server ${server} deferred the mail (${reason})`);
  }
  if (responseCode !== undefined && responseCode >= 500) {
    return new AppError('PROVIDER_REJECTED', `the SMTP server ${server} refused the mail (${reason})`);
  }
  return new AppError('INTERNAL', `sending through ${server} failed (${reason})`);
}
