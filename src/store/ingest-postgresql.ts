import { join, type Sql, sqltag } from '@prisma/client/runtime/client';
import type { DbTransaction } from './db.ts';
import { type IngestRows, type IngestStatements, ingestColumns } from './ingest-statements.ts';
import { insertRows, type SqlValue } from './insert-rows.ts';

/**
 * The ingest statements on PostgreSQL: one statement per lookup or insert for the whole batch
 * (row-value `IN` lists, multi-row `INSERT`s), in the transaction Prisma opened for it, where
 * the rest of the batch's work (reopening, events, notifications) runs too. A connection of
 * our own would put that work in another transaction. A unique-key violation (another
 * process stored the same message or identity first) fails the batch, which the ingestor
 * then retries delivery by delivery, seeing the other process's rows.
 */
export function postgresqlIngestStatements(tx: DbTransaction): IngestStatements {
  const tuples = (values: SqlValue[][]): Sql => join(values.map((value) => sqltag`(${join(value)})`));
  return {
    async storedMessages(keys) {
      if (keys.length === 0) return [];
      return tx.$queryRaw<Array<{ tenantId: string; channel: string; providerMessageId: string }>>`
        SELECT "tenantId", "channel", "providerMessageId" FROM "messages"
        WHERE ("tenantId", "channel", "providerMessageId") IN (${tuples(
          keys.map((key) => [key.tenantId, key.channel, key.providerMessageId]),
        )})`;
    },
    async identities(keys) {
      if (keys.length === 0) return [];
      return tx.$queryRaw<
        Array<{ tenantId: string; channel: string; externalId: string; contactId: string }>
      >`
        SELECT "tenantId", "channel", "externalId", "contactId" FROM "channel_identities"
        WHERE ("tenantId", "channel", "externalId") IN (${tuples(
          keys.map((key) => [key.tenantId, key.channel, key.externalId]),
        )})`;
    },
    async identitiesByPhone(keys) {
      if (keys.length === 0) return [];
      return tx.$queryRaw<Array<{ tenantId: string; phone: string; contactId: string }>>`
        SELECT DISTINCT ON ("tenantId", "phone") "tenantId", "phone", "contactId" FROM "channel_identities"
        WHERE ("tenantId", "phone") IN (${tuples(keys.map((key) => [key.tenantId, key.phone]))})
        ORDER BY "tenantId", "phone", "createdAt", "id"`;
    },
    async conversations(keys) {
      if (keys.length === 0) return [];
      return tx.$queryRaw<
        Array<{ tenantId: string; channel: string; externalChatId: string; id: string; state: string }>
      >`
        SELECT "tenantId", "channel", "externalChatId", "id", "state" FROM "conversations"
        WHERE ("tenantId", "channel", "externalChatId") IN (${tuples(
          keys.map((key) => [key.tenantId, key.channel, key.externalChatId]),
        )})`;
    },
    async insert(table, rows) {
      const columns = ingestColumns[table] as ReadonlyArray<string>;
      await insertRows(
        tx,
        table,
        (rows as Array<IngestRows[typeof table]>).map((row) => {
          const values = row as unknown as Record<string, SqlValue>;
          return Object.fromEntries(columns.map((column) => [column, values[column] ?? null]));
        }),
      );
    },
    async touchConversations(ids, at) {
      if (ids.length === 0) return;
      await tx.$executeRaw`UPDATE "conversations" SET "lastMessageAt" = ${at} WHERE "id" IN (${join(ids)})`;
    },
  };
}
