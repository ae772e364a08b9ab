import { randomUUID } from 'node:crypto';
import type { SessionState } from '../../channels/whatsapp-qr/session.ts';
import { AppError, type ErrorCode } from '../../core/errors.ts';
import type { Db, Store } from '../../store/index.ts';

const CHANNEL = 'switchboard_whatsapp_qr';

/**
 * How long a process waits for the session's holder to take a command on (a NOTIFY round
 * trip), then for it to be carried out (a logout or a pairing code over WhatsApp's socket).
 */
const ACCEPT_TIMEOUT_MS = 2_000;
const RESULT_TIMEOUT_MS = 30_000;

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
  | { kind: 'accepted'; id: string }
  | { kind: 'reply'; id: string; result?: string; error?: { code: ErrorCode; message: string } };

export interface SessionRelayHandlers {
  /** Every pairing change of every tenant, from whichever process holds the session (this one too). */
  onPairing(tenantId: string, pairing: RelayedPairing): void;
  /** Whether this process holds the tenant's session (only the holder takes commands on). */
  holds(tenantId: string): boolean;
  /** Carries out a command on a session held here; resolves to its result (a pairing code, or empty). */
  carryOut(tenantId: string, request: RelayedCommand): Promise<string>;
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
}) {
  const { db, handlers, onError } = options;
  const waiting = new Map<
    string,
    { accepted(): void; resolve(result: string): void; reject(error: Error): void }
  >();
  // Pairing changes are published one after the other: pooled connections could reorder them.
  let publishing: Promise<unknown> = Promise.resolve();

  const publish = async (message: RelayMessage) => {
    await db.$executeRaw`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(message)})`;
  };

  async function answer(message: Extract<RelayMessage, { kind: 'request' }>): Promise<void> {
    if (!handlers.holds(message.tenantId)) return;
    await publish({ kind: 'accepted', id: message.id });
    try {
      const result = await handlers.carryOut(message.tenantId, message.request);
      await publish({ kind: 'reply', id: message.id, result });
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
    else if (message.kind === 'accepted') waiting.get(message.id)?.accepted();
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
     * result, rethrows its error, and fails with CONFLICT when no holder takes it on or
     * finishes in time.
     */
    async request(tenantId: string, request: RelayedCommand): Promise<string> {
      const id = randomUUID();
      const answered = new Promise<string>((resolve, reject) => {
        const expire = (message: string) =>
          setTimeout(() => {
            waiting.delete(id);
            reject(new AppError('CONFLICT', message));
          }, ACCEPT_TIMEOUT_MS).unref();
        let timer = expire('no gateway process holding this WhatsApp session answered; try again');
        waiting.set(id, {
          accepted: () => {
            clearTimeout(timer);
            timer = setTimeout(() => {
              waiting.delete(id);
              reject(new AppError('CONFLICT', 'the WhatsApp session did not finish in time; try again'));
            }, RESULT_TIMEOUT_MS).unref();
          },
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
