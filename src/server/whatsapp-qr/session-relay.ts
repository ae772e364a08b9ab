import { randomUUID } from 'node:crypto';
import type { SessionState } from '../../channels/whatsapp-qr/session.ts';
import { AppError, type ErrorCode } from '../../core/errors.ts';
import type { Db, Store } from '../../store/index.ts';

const CHANNEL = 'switchboard_whatsapp_qr';

/** How long a process waits for the session's holder to carry out a command. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A pairing change as it travels between processes: the QR as its raw string (each process draws the PNG). */
export type RelayedPairing =
  | { type: 'state'; state: SessionState; reason: string }
  | { type: 'qr'; qr: string };

/** What staff can ask of a session that another process holds. */
export type RelayedCommand =
  | { command: 'connect'; actor: string }
  | { command: 'logout'; actor: string }
  | { command: 'pairing_code'; phone: string };

type RelayMessage =
  | { kind: 'pairing'; tenantId: string; pairing: RelayedPairing }
  | { kind: 'request'; id: string; tenantId: string; request: RelayedCommand }
  | { kind: 'reply'; id: string; result?: string; error?: { code: ErrorCode; message: string } };

export interface SessionRelayHandlers {
  /** Every pairing change of every tenant, from whichever process holds the session (this one too). */
  onPairing(tenantId: string, pairing: RelayedPairing): void;
  /**
   * Carries out a command if this process holds the tenant's session; resolves to undefined
   * when it does not (the holder answers), to the command's result otherwise.
   */
  onRequest(tenantId: string, request: RelayedCommand): Promise<{ result: string } | undefined>;
}

/**
 * The WhatsApp (QR) sessions' line between the gateway processes that share a PostgreSQL
 * database (LISTEN/NOTIFY on a channel of its own): the holder of a session publishes its
 * state changes and QR codes to every process, and a process that does not hold a session
 * passes staff's connect, logout and pairing-code requests to the one that does. On SQLite
 * there is one process, and everything stays in it.
 */
export async function createSessionRelay(options: {
  db: Db;
  store: Pick<Store, 'listen'>;
  handlers: SessionRelayHandlers;
  onError(error: unknown): void;
  requestTimeoutMs?: number;
}) {
  const { db, handlers, onError } = options;
  const waiting = new Map<string, { resolve(result: string): void; reject(error: Error): void }>();
  // Pairing changes are published one after the other: pooled connections could reorder them.
  let publishing: Promise<unknown> = Promise.resolve();

  const publish = async (message: RelayMessage) => {
    await db.$executeRaw`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(message)})`;
  };

  async function answer(message: Extract<RelayMessage, { kind: 'request' }>): Promise<void> {
    try {
      const outcome = await handlers.onRequest(message.tenantId, message.request);
      if (outcome) await publish({ kind: 'reply', id: message.id, result: outcome.result });
    } catch (error) {
      const failure =
        error instanceof AppError
          ? { code: error.code, message: error.message }
          : { code: 'PROVIDER_UNAVAILABLE' as const, message: 'the WhatsApp session could not do it' };
      await publish({ kind: 'reply', id: message.id, error: failure });
    }
  }

  function receive(payload: string): void {
    const message = JSON.parse(payload) as RelayMessage;
    if (message.kind === 'pairing') handlers.onPairing(message.tenantId, message.pairing);
    else if (message.kind === 'request') void answer(message).catch(onError);
    else {
      const pending = waiting.get(message.id);
      if (!pending) return;
      waiting.delete(message.id);
      if (message.error) pending.reject(new AppError(message.error.code, message.error.message));
      else pending.resolve(message.result ?? '');
    }
  }

  const stopListening = options.store.listen ? await options.store.listen(CHANNEL, receive) : undefined;

  return {
    /** Whether other processes may hold sessions (PostgreSQL). */
    shared: stopListening !== undefined,

    /** Tells every process (this one included) about a pairing change; in-process only on SQLite. */
    async pairing(tenantId: string, pairing: RelayedPairing): Promise<void> {
      if (!stopListening) {
        handlers.onPairing(tenantId, pairing);
        return;
      }
      const published = publishing.then(() => publish({ kind: 'pairing', tenantId, pairing }));
      publishing = published.catch(() => undefined);
      await published;
    },

    /**
     * Asks the process holding the tenant's session to carry out `request`; resolves to its
     * result, rethrows its error, and fails with CONFLICT when no holder answers in time.
     */
    async request(tenantId: string, request: RelayedCommand): Promise<string> {
      const id = randomUUID();
      const answered = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(
            new AppError(
              'CONFLICT',
              'the gateway process holding this WhatsApp session did not answer; try again',
            ),
          );
        }, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
        timer.unref?.();
        waiting.set(id, {
          resolve: (result) => {
            clearTimeout(timer);
            resolve(result);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
      });
      await publish({ kind: 'request', id, tenantId, request });
      return answered;
    },

    async close(): Promise<void> {
      await stopListening?.();
    },
  };
}

export type SessionRelay = Awaited<ReturnType<typeof createSessionRelay>>;
