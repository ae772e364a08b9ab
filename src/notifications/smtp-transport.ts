import { classifyConnectionFailure, connectionFailureText } from '../core/connection-failure.ts';
import type { ConnectionCheck, ConnectorValues } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';
import { AppError } from '../core/errors.ts';
import { classifySmtpFailure, openSmtpTransport, type SmtpTransport } from '../core/smtp-transport.ts';
import { readSmtpSettings, type SmtpSettings } from './smtp-settings.ts';

/** One email to send. */
export interface SmtpMail {
  to: string[];
  subject: string;
  text: string;
}

/** The classified reason of a failed session, in words: never the server's own text. */
function reasonOf(error: unknown): string {
  const failure = classifySmtpFailure(error);
  switch (failure.kind) {
    case 'authentication':
      return 'authentication failed: check user and password';
    case 'tls':
      return 'TLS failed: check the security setting';
    case 'deferred':
    case 'refused':
      return `the server answered ${failure.responseCode}`;
    default:
      return connectionFailureText[classifyConnectionFailure(error) ?? 'unexpected_answer'];
  }
}

/**
 * Connects through the egress guard, upgrades to TLS where configured and logs in
 * (nodemailer's `verify()`), then disconnects without sending. `detail` names the server
 * and a classified reason, never the password or the server's text.
 */
export async function checkSmtpConnection(values: ConnectorValues, egress: Egress): Promise<ConnectionCheck> {
  let settings: SmtpSettings;
  try {
    settings = readSmtpSettings(values);
  } catch (error) {
    return { ok: false, detail: (error as AppError).message };
  }
  const server = `${settings.host}:${settings.port}`;
  let transport: SmtpTransport | undefined;
  try {
    transport = await openSmtpTransport(settings, egress);
    await transport.verify();
    const login = settings.auth ? ` and accepted the login of ${settings.auth.user}` : '';
    return { ok: true, detail: `${server} answered${login}` };
  } catch (error) {
    return { ok: false, detail: `SMTP ${server}: ${reasonOf(error)}` };
  } finally {
    transport?.close();
  }
}

/**
 * Sends one plain-text email from the configured sender. Throws a catalogue AppError:
 * retryable for network trouble and temporary (4xx) refusals, permanent for a refused login,
 * a failed TLS setup, a destination the egress policy refuses or a 5xx answer.
 */
export async function sendSmtpMail(settings: SmtpSettings, mail: SmtpMail, egress: Egress): Promise<void> {
  let transport: SmtpTransport | undefined;
  try {
    transport = await openSmtpTransport(settings, egress);
    await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text });
  } catch (error) {
    throw toSmtpError(error, settings);
  } finally {
    transport?.close();
  }
}

/** The catalogue error for a failed send; the message names the server and the classified reason. */
function toSmtpError(error: unknown, settings: SmtpSettings): AppError {
  const failure = classifySmtpFailure(error);
  const message = `sending through ${settings.host}:${settings.port} failed: ${reasonOf(error)}`;
  switch (failure.kind) {
    case 'network':
      return new AppError('NETWORK_ERROR', message);
    case 'deferred':
      return new AppError('PROVIDER_UNAVAILABLE', message);
    case 'unexpected':
      return new AppError('INTERNAL', message);
    default:
      return new AppError('PROVIDER_REJECTED', message);
  }
}
