// One reading of why a connection failed, for every client that connects somewhere (fetch,
// imapflow, nodemailer): the one list of network error codes, and the classified reason a
// connection test reports instead of the remote server's own text.

/** Codes of failures that are the network's: nothing reached the server, or the link broke. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ETIMEOUT',
  'EPIPE',
  // undici (fetch)
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // imapflow
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  // nodemailer
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
]);

/** Why a connection failed, as a connection test reports it. */
export type ConnectionFailure =
  | 'egress_refused'
  | 'unresolvable'
  | 'connection_refused'
  | 'timed_out'
  | 'tls_failed'
  | 'authentication_failed'
  | 'connection_failed'
  | 'unexpected_answer';

/** The words for each reason; never the server's text, which may be any TCP service's banner. */
export const connectionFailureText: Record<ConnectionFailure, string> = {
  egress_refused: 'refused by the egress policy',
  unresolvable: 'the host name could not be resolved',
  connection_refused: 'connection refused',
  timed_out: 'timed out',
  tls_failed: 'TLS failed',
  authentication_failed: 'authentication failed',
  connection_failed: 'the connection failed',
  unexpected_answer: 'the server did not answer as expected',
};

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ETIMEOUT',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TLS_CODE =
  /^(?:ETLS$|ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT)/;

interface ErrorFields {
  code?: unknown;
  originalCode?: unknown;
  authenticationFailed?: unknown;
  name?: unknown;
  cause?: unknown;
}

function classifyOne(fields: ErrorFields): ConnectionFailure | undefined {
  const codes = [fields.code, fields.originalCode].filter((code): code is string => typeof code === 'string');
  if (codes.includes('EGRESS_REFUSED')) return 'egress_refused';
  if (fields.name === 'TimeoutError' || codes.some((code) => TIMEOUT_CODES.has(code))) return 'timed_out';
  if (codes.some((code) => TLS_CODE.test(code))) return 'tls_failed';
  if (fields.authenticationFailed === true || codes.includes('EAUTH') || codes.includes('ENOAUTH'))
    return 'authentication_failed';
  if (codes.some((code) => code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EDNS'))
    return 'unresolvable';
  if (codes.includes('ECONNREFUSED')) return 'connection_refused';
  if (codes.some((code) => NETWORK_ERROR_CODES.has(code))) return 'connection_failed';
  if (codes.includes('EPROTOCOL')) return 'unexpected_answer';
  return undefined;
}

/**
 * The reason a connection failed, read from the error and its causes (undici wraps the
 * socket's error in a "fetch failed" TypeError; nodemailer keeps the system code in
 * `originalCode`). Undefined when the error is not about the connection (an HTTP answer,
 * a refused command).
 */
export function classifyConnectionFailure(error: unknown): ConnectionFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const reason = classifyOne(current as ErrorFields);
    if (reason) return reason;
    current = (current as ErrorFields).cause;
  }
  return undefined;
}
