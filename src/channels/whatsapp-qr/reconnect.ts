import type { DisconnectReason as BaileysDisconnectReason } from '@whiskeysockets/baileys';

/**
 * Baileys' `DisconnectReason` codes, written out because the enum's module loads all of
 * Baileys' types and protobuf definitions; the type makes the build fail if one differs.
 */
const DisconnectReason = {
  connectionClosed: 428,
  connectionLost: 408,
  connectionReplaced: 440,
  timedOut: 408,
  loggedOut: 401,
  badSession: 500,
  restartRequired: 515,
  multideviceMismatch: 411,
  forbidden: 403,
  unavailableService: 503,
} as const satisfies {
  [Name in keyof typeof BaileysDisconnectReason]: (typeof BaileysDisconnectReason)[Name];
};

/** What to do after the socket closed. */
export type CloseDecision =
  /** The phone removed this device: the stored link is void, a new QR is needed. Never reconnect. */
  | { action: 'logged_out'; statusCode: number }
  /** WhatsApp asked for a new socket (after the first QR scan): at once, no backoff. */
  | { action: 'restart'; statusCode: number }
  | { action: 'reconnect'; statusCode: number | undefined; delayMs: number; reason: string };

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0–1: the share of each delay that is random, so many gateways never reconnect in step. */
  jitter: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 };

const reasonNames = new Map<number, string>([
  [DisconnectReason.connectionClosed, 'connection closed'],
  [DisconnectReason.connectionLost, 'connection lost or timed out'],
  [DisconnectReason.connectionReplaced, 'replaced by another session'],
  [DisconnectReason.badSession, 'bad session'],
  [DisconnectReason.multideviceMismatch, 'multi-device mismatch'],
  [DisconnectReason.forbidden, 'forbidden'],
  [DisconnectReason.unavailableService, 'service unavailable'],
]);

/** The HTTP-like status code Baileys puts on the Boom error of a closed connection. */
export function statusCodeOf(error: unknown): number | undefined {
  const output = (error as { output?: { statusCode?: unknown } } | undefined)?.output;
  return typeof output?.statusCode === 'number' ? output.statusCode : undefined;
}

/**
 * Decides what follows a close, from its `DisconnectReason`: logged out ends the link;
 * restart required reconnects at once; everything else (closed, lost, timed out, replaced,
 * bad session, mismatch, forbidden, unavailable, or no code at all) reconnects after an
 * exponential backoff with jitter. `attempt` counts the reconnects since the last open (1 = first).
 */
export function decideOnClose(error: unknown, attempt: number, backoff = DEFAULT_BACKOFF): CloseDecision {
  const statusCode = statusCodeOf(error);
  if (statusCode === DisconnectReason.loggedOut) return { action: 'logged_out', statusCode };
  if (statusCode === DisconnectReason.restartRequired) return { action: 'restart', statusCode };
  return {
    action: 'reconnect',
    statusCode,
    delayMs: backoffDelay(attempt, backoff),
    reason:
      (statusCode !== undefined ? reasonNames.get(statusCode) : undefined) ?? 'closed without a known reason',
  };
}

/** `base · 2^(attempt-1)`, capped, with the jitter share of it drawn at random. */
export function backoffDelay(attempt: number, backoff: BackoffOptions): number {
  const random = backoff.random ?? Math.random;
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (1 - backoff.jitter) + ceiling * backoff.jitter * random());
}
