import { join, raw, sqltag } from '@prisma/client/runtime/client';
import type { Db, DbTransaction } from './db.ts';
import { driverRowWriter } from './driver-rows.ts';
import { isSqlSession, type SqlSession } from './sql.ts';

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
 * by that writer instead, with the same values. On a driver session (`sql.ts`) they are written
 * as its prepared statements.
 */
export async function insertRows(
  db: Db | DbTransaction | SqlSession,
  table: string,
  rows: Array<Record<string, SqlValue>>,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  for (const name of [table, ...columns]) {
    if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain SQL identifier`);
  }
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const chunks = async (write: (chunk: Array<Record<string, SqlValue>>) => Promise<unknown>) => {
    for (let start = 0; start < rows.length; start += rowsPerStatement)
      await write(rows.slice(start, start + rowsPerStatement));
  };
  const columnNames = columns.map((column) => `"${column}"`).join(', ');
  if (isSqlSession(db)) {
    const placeholders = `(${columns.map(() => '?').join(', ')})`;
    return chunks((chunk) =>
      db.run(
        `INSERT INTO "${table}" (${columnNames}) VALUES ${chunk.map(() => placeholders).join(', ')}`,
        chunk.flatMap((row) => columns.map((column) => row[column] ?? null)),
      ),
    );
  }
  const writer = driverRowWriter(db);
  if (writer) return writer(table, rows);
  const columnList = raw(columnNames);
  const tableName = raw(`"${table}"`);
  return chunks(
    (chunk) =>
      db.$executeRaw`INSERT INTO ${tableName} (${columnList}) VALUES ${join(
        chunk.map((row) => sqltag`(${join(columns.map((column) => row[column] ?? null))})`),
      )}`,
  );
}
