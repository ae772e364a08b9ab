import { EventEmitter } from 'node:events';
import type { Db, DbTransaction, Store } from '../store/index.ts';
import { isSqlSession, type SqlSession } from '../store/sql.ts';

const CHANNEL = 'switchboard_events';

/**
 * What the workspace is told live. Events name what changed, never message text: a client
 * reads the new state through the API, so an event it misses costs at most a stale view.
 */
export type WorkspaceEvent =
  | { type: 'message.created'; tenantId: string; conversationId: string; direction: string }
  | { type: 'message.status'; tenantId: string; conversationId: string; status: string }
  | { type: 'message.edited'; tenantId: string; conversationId: string }
  | { type: 'conversation.state'; tenantId: string; conversationId: string; state: string }
  | { type: 'conversation.assigned'; tenantId: string; conversationId: string; assigneeId: string | null }
  | { type: 'conversation.note'; tenantId: string; conversationId: string }
  /** A tool call waiting for approval was created (`pending`), decided, or ran (`done`, `failed`). */
  | { type: 'action.status'; tenantId: string; actionId: string; conversationId: string; status: string }
  | { type: 'conversation.read'; tenantId: string; conversationId: string }
  /** A channel's live link changed (WhatsApp QR logged out by the phone). */
  | { type: 'channel.state'; tenantId: string; channel: string; state: string };

export interface EventBus {
  /**
   * Publishes in the caller's transaction. On PostgreSQL this is a NOTIFY, which the server
   * delivers at commit to every process (and never for a rolled-back transaction); on SQLite
   * the one process hears it right after the current turn of the event loop.
   */
  publish(tx: Db | DbTransaction | SqlSession, event: WorkspaceEvent): Promise<void>;
  /** Publishes each of `events`, in order, as `publish` does: one statement for all on PostgreSQL. */
  publishAll(tx: Db | DbTransaction, events: WorkspaceEvent[]): Promise<void>;
  /** Calls `listener` with each event of the tenant; returns the unsubscribe function. */
  subscribe(tenantId: string, listener: (event: WorkspaceEvent) => void): () => void;
  close(): Promise<void>;
}

/** The event bus of one process: in memory, joined to the others by LISTEN/NOTIFY on PostgreSQL. */
export async function createEventBus(store: Pick<Store, 'listen'>): Promise<EventBus> {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const deliver = (event: WorkspaceEvent) => local.emit(event.tenantId, event);
  const stopListening = store.listen
    ? await store.listen(CHANNEL, (payload) => deliver(JSON.parse(payload) as WorkspaceEvent))
    : undefined;

  return {
    async publish(tx, event) {
      if (stopListening) {
        // A driver session (the deliver job's transactions) or Prisma's client.
        if (isSqlSession(tx)) await tx.all('SELECT pg_notify(?, ?)', [CHANNEL, JSON.stringify(event)]);
        else await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(event)})`;
      } else {
        setImmediate(() => deliver(event));
      }
    },
    async publishAll(tx, events) {
      if (events.length === 0) return;
      if (stopListening) {
        // One round trip per batch of stored messages, not one per message.
        const payloads = events.map((event) => JSON.stringify(event));
        await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, payload) FROM unnest(${payloads}::text[]) AS payload`;
      } else {
        setImmediate(() => {
          for (const event of events) deliver(event);
        });
      }
    },
    subscribe(tenantId, listener) {
      local.on(tenantId, listener);
      return () => local.off(tenantId, listener);
    },
    async close() {
      local.removeAllListeners();
      await stopListening?.();
    },
  };
}
