import { raw } from '@prisma/client/runtime/client';
import type { DbTransaction } from './db.ts';
import { type DriverRowWriter, writeRowsOnDriver } from './driver-rows.ts';
import { type IngestRows, type IngestStatements, ingestColumns } from './ingest-statements.ts';
import { insertRows, type SqlValue } from './insert-rows.ts';

/**
 * The ingest statements on PostgreSQL: one statement per lookup or insert for the whole batch,
 * in the transaction Prisma opened for it, where the rest of the batch's work (reopening,
 * events, notifications) runs too. A connection of our own would put that work in another
 * transaction. A unique-key violation (another process stored the same message or identity
 * first) fails the batch, which the ingestor then retries delivery by delivery, seeing the
 * other process's rows.
 *
 * Each statement binds one JSON document for all its keys or rows (`json_to_recordset`,
 * `json_populate_recordset`), plus the time for `touchConversations`, whatever the batch's
 * size. Prisma's raw query path costs CPU for every bound parameter and every element of an
 * array parameter: a 50-key lookup that bound 150 parameters took 0.8 ms of CPU, with three
 * text arrays (`unnest`) 0.6 ms, with one JSON parameter 0.35 ms (`SELECT 1`: 0.25 ms).
 */
export function postgresqlIngestStatements(tx: DbTransaction): IngestStatements {
  // The rows other modules add to the batch through `insertRows` (events, forwarding jobs) too.
  writeRowsOnDriver(tx, jsonRowWriter(tx));
  return {
    async storedMessages(keys) {
      if (keys.length === 0) return [];
      return tx.$queryRaw<Array<{ tenantId: string; channel: string; providerMessageId: string }>>`
        SELECT "tenantId", "channel", "providerMessageId" FROM "messages"
        WHERE ("tenantId", "channel", "providerMessageId") IN (
          SELECT * FROM json_to_recordset(${jsonText(keys)}::json)
            AS k("tenantId" text, "channel" text, "providerMessageId" text))`;
    },
    async identities(keys) {
      if (keys.length === 0) return [];
      return tx.$queryRaw<
        Array<{ tenantId: string; channel: string; externalId: string; contactId: string }>
      >`
        SELECT "tenantId", "channel", "externalId", "contactId" FROM "channel_identities"
        WHERE ("tenantId", "channel", "externalId") IN (
          SELECT * FROM json_to_recordset(${jsonText(keys)}::json)
            AS k("tenantId" text, "channel" text, "externalId" text))`;
    },
    async identitiesByPhone(keys) {
      if (keys.length === 0) return [];
      return tx.$queryRaw<Array<{ tenantId: string; phone: string; contactId: string }>>`
        SELECT DISTINCT ON ("tenantId", "phone") "tenantId", "phone", "contactId" FROM "channel_identities"
        WHERE ("tenantId", "phone") IN (
          SELECT * FROM json_to_recordset(${jsonText(keys)}::json) AS k("tenantId" text, "phone" text))
        ORDER BY "tenantId", "phone", "createdAt", "id"`;
    },
    async conversations(keys) {
      if (keys.length === 0) return [];
      return tx.$queryRaw<
        Array<{ tenantId: string; channel: string; externalChatId: string; id: string; state: string }>
      >`
        SELECT "tenantId", "channel", "externalChatId", "id", "state" FROM "conversations"
        WHERE ("tenantId", "channel", "externalChatId") IN (
          SELECT * FROM json_to_recordset(${jsonText(keys)}::json)
            AS k("tenantId" text, "channel" text, "externalChatId" text))`;
    },
    async insert(table, rows) {
      const columns = ingestColumns[table] as ReadonlyArray<string>;
      await insertRows(
        tx,
        table,
        (rows as Array<IngestRows[typeof table]>).map((row) => {
          const values = row as unknown as Record<string, SqlValue>;
          return Object.fromEntries(columns.map((name) => [name, values[name] ?? null]));
        }),
      );
    },
    async touchConversations(ids, at) {
      if (ids.length === 0) return;
      await tx.$executeRaw`UPDATE "conversations" SET "lastMessageAt" = ${at}
        WHERE "id" IN (SELECT json_array_elements_text(${jsonText(ids)}::json))`;
    },
  };
}

/**
 * Inserts rows as one JSON parameter that PostgreSQL spreads over the table's own column types
 * (`json_populate_recordset`): a Date travels as its ISO 8601 text in UTC, which a
 * `timestamp(3)` column stores as the UTC time, as Prisma's own writes do (the zone suffix is
 * ignored by a timestamp without time zone); a bigint as its decimal text.
 */
function jsonRowWriter(tx: DbTransaction): DriverRowWriter {
  return async (table, rows) => {
    if (rows.length === 0) return;
    const columns = raw(
      Object.keys(rows[0]!)
        .map((name) => `"${name}"`)
        .join(', '),
    );
    // JSON has no bigint; a replacer function would take V8 off its fast path for every value.
    const document = jsonText(rows.map(withBigintsAsText));
    await tx.$executeRaw`INSERT INTO ${raw(`"${table}"`)} (${columns})
      SELECT ${columns} FROM json_populate_recordset(NULL::${raw(`"${table}"`)}, ${document}::json)`;
  };
}

function withBigintsAsText(row: Record<string, SqlValue>): Record<string, SqlValue> {
  let copy: Record<string, SqlValue> | undefined;
  for (const [name, value] of Object.entries(row)) {
    if (typeof value !== 'bigint') continue;
    copy ??= { ...row };
    copy[name] = value.toString();
  }
  return copy ?? row;
}

/**
 * `value` as JSON text that PostgreSQL accepts. JSON.stringify writes a lone surrogate (text cut
 * inside an emoji, or sent so on purpose) as an escape such as `\ud800`, which PostgreSQL's
 * JSON parser refuses; bound as a parameter instead, pg's UTF-8 encoding made it U+FFFD, so
 * that is what it becomes here too. Only text with such an escape takes the slower path.
 */
function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (!/\\ud[89a-f]/i.test(text)) return text;
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'string' ? item.replace(/\p{Cs}/gu, '\uFFFD') : item,
  );
}
