import { ToolError } from '../types.ts';

/** What IMAP and SMTP libraries attach to their errors; all optional. */
interface MailErrorFields {
  code?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  responseCode?: unknown;
  command?: unknown;
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ETIMEOUT',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  // nodemailer's connection-level codes
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
  'ETLS',
]);

/**
 * Classifies an imapflow or nodemailer failure. A refused login is `auth_expired`: for a
 * password-based connector it means the stored password no longer works (changed, revoked,
 * app password expired), and the remedy is the same as for an expired token — staff update the
 * connector. `permission_denied` stays for a login that works but may not do the action.
 * The message names the step and the code only: no server text, which may echo addresses.
 */
export function classifyMailError(error: unknown, step: string, signal: AbortSignal): ToolError {
  if (error instanceof ToolError) return error;
  if (signal.aborted) return new ToolError('network_error', `${step}: timed out`);
  const fields: MailErrorFields =
    typeof error === 'object' && error !== null ? (error as MailErrorFields) : {};
  const code = typeof fields.code === 'string' ? fields.code : '';
  const serverCode = typeof fields.serverResponseCode === 'string' ? fields.serverResponseCode : '';
  const responseCode = typeof fields.responseCode === 'number' ? fields.responseCode : 0;
  if (fields.authenticationFailed === true || code === 'EAUTH' || serverCode === 'AUTHENTICATIONFAILED') {
    return new ToolError('auth_expired', `${step}: login refused`);
  }
  if (serverCode === 'NONEXISTENT') return new ToolError('not_found', `${step}: mailbox not found`);
  if (serverCode === 'NOPERM' || serverCode === 'AUTHORIZATIONFAILED') {
    return new ToolError('permission_denied', `${step}: not permitted`);
  }
  if (code === 'ETHROTTLE' || serverCode === 'LIMIT' || responseCode === 421) {
    return new ToolError('rate_limited', `${step}: the server limits requests`);
  }
  if (responseCode === 530 || responseCode === 535 || responseCode === 534) {
    return new ToolError('auth_expired', `${step}: login refused (${responseCode})`);
  }
  if (responseCode === 550 || responseCode === 553 || responseCode === 554) {
    return new ToolError('permission_denied', `${step}: the server refused the message (${responseCode})`);
  }
  if (networkCodes.has(code)) return new ToolError('network_error', `${step}: connection failed (${code})`);
  if (responseCode >= 400) return new ToolError('server_error', `${step}: server answered ${responseCode}`);
  return new ToolError('server_error', `${step}: failed${code ? ` (${code})` : ''}`);
}
