// The one SMTP client of the gateway (system mail and the mail integration): one TLS rule,
// connections only through the egress guard, one classification of what went wrong.
import { isIP } from 'node:net';
import { classifyConnectionFailure } from './connection-failure.ts';
import type { Egress } from './egress.ts';

/** Implicit TLS (port 465), a required STARTTLS upgrade, or none (a relay on the operator's own network). */
export type SmtpSecurity = 'tls' | 'starttls' | 'none';

/** Where and how to log in. */
export interface SmtpEndpoint {
  host: string;
  port: number;
  security: SmtpSecurity;
  auth?: { user: string; password: string };
}

/** Limits for one short session; a server that takes longer counts as unreachable. */
const CONNECTION_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 20_000;

/**
 * A one-shot nodemailer transport to the address the egress guard checked for `host`, with
 * the TLS server name set to `host` so the certificate is verified against the name. The
 * TLS rule: credentials never travel in the clear by accident, so STARTTLS must succeed
 * unless the endpoint says `none`. Closed when `signal` aborts; close it after use.
 * Throws `EgressRefused` before connecting to a refused destination.
 */
export async function openSmtpTransport(endpoint: SmtpEndpoint, egress: Egress, signal?: AbortSignal) {
  const address = await egress.check(endpoint.host, endpoint.port);
  const servername = isIP(endpoint.host) ? undefined : endpoint.host;
  // Imported on first use: nodemailer costs about 110 ms at start-up.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: address,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    requireTLS: endpoint.security === 'starttls',
    ignoreTLS: endpoint.security === 'none',
    ...(servername ? { servername, tls: { servername } } : {}),
    ...(endpoint.auth ? { auth: { user: endpoint.auth.user, pass: endpoint.auth.password } } : {}),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  signal?.addEventListener('abort', () => transport.close(), { once: true });
  return transport;
}

/** The transport `openSmtpTransport` returns. */
export type SmtpTransport = Awaited<ReturnType<typeof openSmtpTransport>>;

/**
 * What went wrong in an SMTP session: `deferred` is a temporary (4xx) refusal worth a retry,
 * `refused` a permanent (5xx) one; `network` covers everything before the server answered.
 */
export type SmtpFailure =
  | { kind: 'egress_refused' | 'authentication' | 'tls' | 'network' | 'unexpected' }
  | { kind: 'deferred' | 'refused'; responseCode: number };

/** Classifies a failure of `openSmtpTransport` or of its transport's `verify`/`sendMail`. */
export function classifySmtpFailure(error: unknown): SmtpFailure {
  const responseCode = (error as { responseCode?: unknown } | null)?.responseCode;
  const connection = classifyConnectionFailure(error);
  if (connection === 'egress_refused') return { kind: 'egress_refused' };
  if (connection === 'tls_failed') return { kind: 'tls' };
  if (connection === 'authentication_failed') return { kind: 'authentication' };
  if (typeof responseCode === 'number') {
    if (responseCode === 530 || responseCode === 534 || responseCode === 535)
      return { kind: 'authentication' };
    if (responseCode >= 400 && responseCode < 500) return { kind: 'deferred', responseCode };
    if (responseCode >= 500) return { kind: 'refused', responseCode };
  }
  if (connection === 'unexpected_answer' || connection === undefined) return { kind: 'unexpected' };
  return { kind: 'network' };
}
