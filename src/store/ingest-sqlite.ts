import type Database from 'better-sqlite3';
import type { DriverRowWriter } from './driver-rows.ts';
import {
  type ChatKey,
  type IdentityKey,
  type IngestStatements,
  ingestColumns,
  type MessageKey,
  type PhoneKey,
} from './ingest-statements.ts';
import { sqliteValue } from './sql-sqlite.ts';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The ingest statements on the better-sqlite3 handle of Prisma's own connection, prepared once
 * and reused. They run synchronously on the only connection to the file, inside the
 * transaction Prisma began on it (`db.$transaction` holds the adapter's transaction mutex
 * until it commits or rolls back, so no other transaction begins meanwhile); outside a
 * transaction they refuse to run, so nothing here can commit on its own. Each lookup is a
 * point query on a unique index per key, which SQLite answers in microseconds: cheaper than
 * building, planning and reading one statement with a long IN list. `prepare` must be the
 * handle's own, not the statement cache's (`statement-cache.ts`): these statements are
 * called with their arguments directly, never `bind`-ed.
 */
export function sqliteIngestStatements(
  handle: Database.Database,
  prepare: (sql: string) => Statement,
): IngestStatements & { writeRows: DriverRowWriter } {
  const statements = new Map<string, Statement>();
  const statement = (sql: string) => {
    let prepared = statements.get(sql);
    if (prepared === undefined) {
      prepared = prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };
  const inTransaction = () => {
    if (!handle.inTransaction) throw new Error('the ingest statements run only inside a transaction');
  };
  // One cached point query per key: its row, or nothing.
  const lookUp =
    <Key, Row, Found>(
      sql: string,
      argumentsOf: (key: Key) => unknown[],
      found: (key: Key, row: Row) => Found,
    ) =>
    async (keys: Key[]): Promise<Found[]> => {
      inTransaction();
      const query = statement(sql);
      return keys.flatMap((key) => {
        const row = query.get(...argumentsOf(key)) as Row | undefined;
        return row === undefined ? [] : [found(key, row)];
      });
    };

  // One cached single-row INSERT per table and column list, run once per row.
  const writeRows = async (
    table: string,
    rows: Array<Record<string, unknown>>,
    columns: ReadonlyArray<string> = Object.keys(rows[0] ?? {}),
  ) => {
    inTransaction();
    if (rows.length === 0) return;
    const insert = statement(
      `INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    for (const row of rows) insert.run(...columns.map((column) => sqliteValue(row[column])));
  };

  // Each call runs to its end without yielding: no statement of another query comes between.
  return {
    writeRows,
    storedMessages: lookUp(
      'SELECT "providerMessageId" FROM "messages" WHERE "tenantId" = ? AND "channel" = ? AND "providerMessageId" = ?',
      (key: MessageKey) => [key.tenantId, key.channel, key.providerMessageId],
      (key) => key,
    ),
    identities: lookUp(
      'SELECT "contactId" FROM "channel_identities" WHERE "tenantId" = ? AND "channel" = ? AND "externalId" = ?',
      (key: IdentityKey) => [key.tenantId, key.channel, key.externalId],
      (key, row: { contactId: string }) => ({ ...key, contactId: row.contactId }),
    ),
    identitiesByPhone: lookUp(
      'SELECT "contactId" FROM "channel_identities" WHERE "tenantId" = ? AND "phone" = ? ORDER BY "createdAt", "id" LIMIT 1',
      (key: PhoneKey) => [key.tenantId, key.phone],
      (key, row: { contactId: string }) => ({ ...key, contactId: row.contactId }),
    ),
    conversations: lookUp(
      'SELECT "id", "state" FROM "conversations" WHERE "tenantId" = ? AND "channel" = ? AND "externalChatId" = ?',
      (key: ChatKey) => [key.tenantId, key.channel, key.externalChatId],
      (key, row: { id: string; state: string }) => ({ ...key, id: row.id, state: row.state }),
    ),
    async insert(table, rows) {
      const columns = ingestColumns[table] as ReadonlyArray<string>;
      await writeRows(table, rows as unknown as Array<Record<string, unknown>>, columns);
    },
    async touchConversations(ids, at) {
      inTransaction();
      const update = statement('UPDATE "conversations" SET "lastMessageAt" = ? WHERE "id" = ?');
      const value = sqliteValue(at);
      for (const id of ids) update.run(value, id);
    },
  };
}
