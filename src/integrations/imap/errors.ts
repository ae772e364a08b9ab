import { classifyConnectionFailure, connectionFailureText } from '../../core/connection-failure.ts';
import { classifySmtpFailure } from '../../core/smtp-transport.ts';
import { ToolError } from '../types.ts';

/** What imapflow attaches to its errors; all optional. */
interface ImapErrorFields {
  code?: unknown;
  serverResponseCode?: unknown;
}

/** SMTP failures in the tool's terms; the classification itself is the gateway's one SMTP rule. */
function smtpToolError(error: unknown): ToolError {
  const failure = classifySmtpFailure(error);
  switch (failure.kind) {
    case 'authentication':
      return new ToolError('auth_expired', 'SMTP: login refused');
    case 'tls':
      return new ToolError('server_error', 'SMTP: TLS failed');
    case 'network':
      return new ToolError(
        'network_error',
        `SMTP: ${connectionFailureText[classifyConnectionFailure(error) ?? 'connection_failed']}`,
      );
    case 'deferred':
      return failure.responseCode === 421
        ? new ToolError('rate_limited', 'SMTP: the server limits requests')
        : new ToolError('server_error', `SMTP: server answered ${failure.responseCode}`);
    case 'refused':
      return [550, 553, 554].includes(failure.responseCode)
        ? new ToolError('permission_denied', `SMTP: the server refused the message (${failure.responseCode})`)
        : new ToolError('server_error', `SMTP: server answered ${failure.responseCode}`);
    default:
      return new ToolError('server_error', 'SMTP: failed');
  }
}

/** imapflow failures: its own fields first, then how the connection failed. */
function imapToolError(error: unknown): ToolError {
  const fields: ImapErrorFields =
    typeof error === 'object' && error !== null ? (error as ImapErrorFields) : {};
  const serverCode = typeof fields.serverResponseCode === 'string' ? fields.serverResponseCode : '';
  const connection = classifyConnectionFailure(error);
  if (connection === 'authentication_failed' || serverCode === 'AUTHENTICATIONFAILED') {
    return new ToolError('auth_expired', 'IMAP: login refused');
  }
  if (serverCode === 'NONEXISTENT') return new ToolError('not_found', 'IMAP: mailbox not found');
  if (serverCode === 'NOPERM' || serverCode === 'AUTHORIZATIONFAILED') {
    return new ToolError('permission_denied', 'IMAP: not permitted');
  }
  if (fields.code === 'ETHROTTLE' || serverCode === 'LIMIT') {
    return new ToolError('rate_limited', 'IMAP: the server limits requests');
  }
  if (connection === 'tls_failed') return new ToolError('server_error', 'IMAP: TLS failed');
  if (connection && connection !== 'unexpected_answer') {
    return new ToolError('network_error', `IMAP: ${connectionFailureText[connection]}`);
  }
  return new ToolError('server_error', 'IMAP: failed');
}

/**
 * Classifies an imapflow or nodemailer failure. A refused login is `auth_expired`: for a
 * password-based connector it means the stored password no longer works (changed, revoked,
 * app password expired), and the remedy is the same as for an expired token — staff update the
 * connector. `permission_denied` stays for a login that works but may not do the action, and
 * for a destination the egress policy refuses. The message names the step and a classified
 * reason only: no server text, which may echo addresses.
 */
export function classifyMailError(error: unknown, step: 'IMAP' | 'SMTP', signal: AbortSignal): ToolError {
  if (error instanceof ToolError) return error;
  if (signal.aborted) return new ToolError('network_error', `${step}: timed out`);
  if (classifyConnectionFailure(error) === 'egress_refused') {
    return new ToolError('permission_denied', `${step}: refused by the egress policy`);
  }
  return step === 'SMTP' ? smtpToolError(error) : imapToolError(error);
}
