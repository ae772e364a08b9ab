import type { ConnectionCheck, ConnectorValues } from '../../core/connector.ts';
import { ToolError } from '../types.ts';
import { classifyMailError } from './errors.ts';
import { withImapSession } from './imap-session.ts';
import { readMailSettings } from './settings.ts';
import { createSmtpTransport } from './smtp-transport.ts';

const explanations: Record<ToolError['errorType'], string> = {
  auth_expired: 'the login was refused: check user and password',
  network_error: 'the server could not be reached: check host, port and TLS',
  permission_denied: 'the login may not use this service',
  not_found: 'the mailbox was not found',
  rate_limited: 'the server limits requests: try again later',
  server_error: 'the server failed',
};

function failure(step: string, error: unknown, signal: AbortSignal): ConnectionCheck {
  const classified = error instanceof ToolError ? error : classifyMailError(error, step, signal);
  return { ok: false, detail: `${step}: ${explanations[classified.errorType]} (${classified.errorType})` };
}

/**
 * The hub's "test connection": IMAP login + NOOP, then SMTP login (`verify`), sending nothing.
 * The detail names the step and the cause, never a password or server text.
 */
export async function testMailConnection(
  values: ConnectorValues,
  signal: AbortSignal,
): Promise<ConnectionCheck> {
  let settings: ReturnType<typeof readMailSettings>;
  try {
    settings = readMailSettings(values);
  } catch (error) {
    // Our own message: it names the missing field, never a value.
    return { ok: false, detail: error instanceof Error ? error.message : 'invalid settings' };
  }
  try {
    await withImapSession(settings.imap, signal, (client) => client.noop());
  } catch (error) {
    return failure('IMAP', error, signal);
  }
  const transport = createSmtpTransport(settings.smtp, signal);
  try {
    await transport.verify();
  } catch (error) {
    return failure('SMTP', error, signal);
  } finally {
    transport.close();
  }
  return {
    ok: true,
    detail: `IMAP ${settings.imap.host}:${settings.imap.port} and SMTP ${settings.smtp.host}:${settings.smtp.port} accepted the login`,
  };
}
