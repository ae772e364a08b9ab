// The ingest write path's statements on the driver (bench/README.md, "Ingest"): the store
// owns how a group-committed batch reads and writes; the normalizer keeps the rules of what
// to read and write. Each dialect implements the same calls: `ingest-sqlite.ts` with prepared
// better-sqlite3 statements on Prisma's own connection, `ingest-postgresql.ts` with
// multi-row statements.
import type { Db, DbTransaction } from './db.ts';

export interface MessageKey {
  tenantId: string;
  channel: string;
  providerMessageId: string;
}

export interface IdentityKey {
  tenantId: string;
  channel: string;
  externalId: string;
}

export interface PhoneKey {
  tenantId: string;
  phone: string;
}

export interface ChatKey {
  tenantId: string;
  channel: string;
  externalChatId: string;
}

// Rows name every column Prisma would fill itself (ids, `@default(now())`, `@updatedAt`):
// a column left to its SQL default is stored in another format than Prisma's writes.
export interface ContactRow {
  id: string;
  tenantId: string;
  displayName: string | null;
  locale: string | null;
  optedOut: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface IdentityRow {
  id: string;
  tenantId: string;
  contactId: string;
  channel: string;
  externalId: string;
  username: string | null;
  phone: string | null;
  createdAt: Date;
}

export interface ConversationRow {
  id: string;
  tenantId: string;
  contactId: string;
  channel: string;
  externalChatId: string;
  state: string;
  lastMessageAt: Date;
  createdAt: Date;
}

export interface MessageRow {
  id: string;
  tenantId: string;
  conversationId: string;
  channel: string;
  direction: string;
  providerMessageId: string;
  kind: string;
  text: string | null;
  parts: string;
  truncated: boolean;
  status: string;
  senderVerified: boolean | null;
  sentAt: Date;
  createdAt: Date;
}

/** The columns and values `enqueueJobs` (src/queue/jobs.ts) writes for a new job. */
export interface JobRow {
  id: string;
  tenantId: string;
  kind: string;
  payload: string;
  status: string;
  runAtMs: bigint;
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The rows each `insert` call takes, by table. */
export interface IngestRows {
  contacts: ContactRow;
  channel_identities: IdentityRow;
  conversations: ConversationRow;
  messages: MessageRow;
  jobs: JobRow;
}

/** The columns of each table's INSERT, in order. */
export const ingestColumns: { [Table in keyof IngestRows]: ReadonlyArray<keyof IngestRows[Table]> } = {
  contacts: ['id', 'tenantId', 'displayName', 'locale', 'optedOut', 'createdAt', 'updatedAt'],
  channel_identities: [
    'id',
    'tenantId',
    'contactId',
    'channel',
    'externalId',
    'username',
    'phone',
    'createdAt',
  ],
  conversations: [
    'id',
    'tenantId',
    'contactId',
    'channel',
    'externalChatId',
    'state',
    'lastMessageAt',
    'createdAt',
  ],
  messages: [
    'id',
    'tenantId',
    'conversationId',
    'channel',
    'direction',
    'providerMessageId',
    'kind',
    'text',
    'parts',
    'truncated',
    'status',
    'senderVerified',
    'sentAt',
    'createdAt',
  ],
  jobs: [
    'id',
    'tenantId',
    'kind',
    'payload',
    'status',
    'runAtMs',
    'attempts',
    'maxAttempts',
    'createdAt',
    'updatedAt',
  ],
};

/**
 * The statements of one ingest batch, bound to the transaction Prisma opened for it: whatever
 * they write commits or rolls back with everything else the transaction does. Lookups return
 * only the keys that exist, in no particular order unless they say so.
 */
export interface IngestStatements {
  /** Which of `keys` are stored messages (the dedupe lookup). */
  storedMessages(keys: MessageKey[]): Promise<MessageKey[]>;
  /** The identities among `keys`, with their contact. */
  identities(keys: IdentityKey[]): Promise<Array<IdentityKey & { contactId: string }>>;
  /** The identities with these numbers, oldest first (then by id): the first is the number's contact. */
  identitiesByPhone(keys: PhoneKey[]): Promise<Array<PhoneKey & { contactId: string }>>;
  /** The conversations among `keys`, with their state (`bot`, `closed`…). */
  conversations(keys: ChatKey[]): Promise<Array<ChatKey & { id: string; state: string }>>;
  /** Inserts rows; a unique-key violation fails it, and with it the batch. */
  insert<Table extends keyof IngestRows>(table: Table, rows: Array<IngestRows[Table]>): Promise<void>;
  /** Sets `lastMessageAt` of these conversations. */
  touchConversations(ids: string[], at: Date): Promise<void>;
}

/** Makes the statements of a batch from the transaction Prisma opened for it. */
export type IngestStatementsFactory = (tx: DbTransaction) => IngestStatements;

// Keyed by the client `openStore` made, so that every module that holds the client reaches its
// driver path without another argument through the app; a client is collected with its entry.
const factories = new WeakMap<Db, IngestStatementsFactory>();

/** Called by each dialect's connect function for the client it made. */
export function provideIngestStatements(db: Db, factory: IngestStatementsFactory): void {
  factories.set(db, factory);
}

/** The driver statements of a batch in `tx`, a transaction of `db` (a client `openStore` made). */
export function ingestStatements(db: Db, tx: DbTransaction): IngestStatements {
  const factory = factories.get(db);
  if (factory === undefined) throw new Error('this database client was not opened by openStore');
  return factory(tx);
}
