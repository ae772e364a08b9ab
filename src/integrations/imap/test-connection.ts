import { classifyConnectionFailure, connectionFailureText } from '../../core/connection-failure.ts';
import type { ConnectionCheck, ConnectorValues } from '../../core/connector.ts';
import type { Egress } from '../../core/egress.ts';
import { openSmtpTransport, type SmtpTransport } from '../../core/smtp-transport.ts';
import { ToolError } from '../types.ts';
import { classifyMailError } from './errors.ts';
import { withImapSession } from './imap-session.ts';
import { readMailSettings } from './settings.ts';

const explanations: Record<ToolError['errorType'], string> = {
  auth_expired: 'the login was refused: check user and password',
  network_error: 'the server could not be reached: check host, port and TLS',
  permission_denied: 'the login may not use this service',
  not_found: 'the mailbox was not found',
  rate_limited: 'the server limits requests: try again later',
  server_error: 'the server failed',
};

/**
 * The step and a classified reason: how the connection failed when it did (refused by the
 * egress policy, connection refused, TLS failed, timed out), else what the login came to.
 * Never the server's own text.
 */
function failure(step: 'IMAP' | 'SMTP', error: unknown, signal: AbortSignal): ConnectionCheck {
  const connection = signal.aborted ? 'timed_out' : classifyConnectionFailure(error);
  if (connection && connection !== 'authentication_failed' && connection !== 'unexpected_answer') {
    return { ok: false, detail: `${step}: ${connectionFailureText[connection]}` };
  }
  const classified = classifyMailError(error, step, signal);
  return { ok: false, detail: `${step}: ${explanations[classified.errorType]} (${classified.errorType})` };
}

/**
 * The hub's "test connection": IMAP login + NOOP, then SMTP login (`verify`), sending nothing,
 * both through the egress guard. The detail names the step and the cause, never a password
 * or server text.
 */
export async function testMailConnection(
  values: ConnectorValues,
  signal: AbortSignal,
  egress: Egress,
): Promise<ConnectionCheck> {
  let settings: ReturnType<typeof readMailSettings>;
  try {
    settings = readMailSettings(values);
  } catch (error) {
    // Our own message: it names the missing field, never a value.
    return { ok: false, detail: error instanceof ToolError ? error.message : 'invalid settings' };
  }
  try {
    await withImapSession(settings.imap, egress, signal, (client) => client.noop());
  } catch (error) {
    return failure('IMAP', error, signal);
  }
  let transport: SmtpTransport | undefined;
  try {
    transport = await openSmtpTransport(settings.smtp, egress, signal);
    await transport.verify();
  } catch (error) {
    return failure('SMTP', error, signal);
  } finally {
    transport?.close();
  }
  return {
    ok: true,
    detail: `IMAP ${settings.imap.host}:${settings.imap.port} and SMTP ${settings.smtp.host}:${settings.smtp.port} accepted the login`,
  };
}
