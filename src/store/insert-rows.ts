import { join, raw, sqltag } from '@prisma/client/runtime/client';
import type { Db, DbTransaction } from './db.ts';
import { driverRowWriter } from './driver-rows.ts';

export type SqlValue = string | number | bigint | boolean | Date | null;

/** Parameters per statement: far below SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const MAX_PARAMETERS = 6_000;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Writes rows with one multi-row INSERT per few hundred rows. Prisma's `createMany` compiles
 * a fresh query plan on every call (its plans embed the rows, so they are never cached): for
 * fifty rows that is tens of milliseconds, where this statement takes one or two. Every row
 * must give the same columns, including those Prisma fills client-side (`@updatedAt`, and
 * DateTime defaults, whose SQL default is stored in another format than Prisma's own writes);
 * Date parameters are stored exactly as Prisma stores them on both dialects. Table and
 * column names come from our code, never from input, and are checked all the same. In a
 * transaction given a driver writer (`driver-rows.ts`: an ingest batch's) the rows are written
 * by that writer instead, with the same values.
 */
export async function insertRows(
  db: Db | DbTransaction,
  table: string,
  rows: Array<Record<string, SqlValue>>,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  for (const name of [table, ...columns]) {
    if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain SQL identifier`);
  }
  const writer = driverRowWriter(db);
  if (writer) return writer(table, rows);
  const columnList = raw(columns.map((column) => `"${column}"`).join(', '));
  const tableName = raw(`"${table}"`);
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const values = rows
      .slice(start, start + rowsPerStatement)
      .map((row) => sqltag`(${join(columns.map((column) => row[column] ?? null))})`);
    await db.$executeRaw`INSERT INTO ${tableName} (${columnList}) VALUES ${join(values)}`;
  }
}
