import type { DbTransaction } from './db.ts';
import type { SqlValue } from './insert-rows.ts';

/** Writes rows as `insertRows` does, the cheaper way its open transaction offers. */
export type DriverRowWriter = (table: string, rows: Array<Record<string, SqlValue>>) => Promise<void>;

// Keyed by Prisma's transaction client, so an entry lives exactly as long as its transaction.
const writers = new WeakMap<DbTransaction, DriverRowWriter>();

/**
 * Makes `insertRows` in `tx` write with `writer`. An ingest batch's transaction does this, so
 * the rows other modules add to the batch (`message_received` events, forwarding jobs) skip
 * Prisma's per-parameter cost too, in the same transaction: on SQLite as prepared statements
 * on Prisma's connection, on PostgreSQL as one JSON parameter per statement.
 */
export function writeRowsOnDriver(tx: DbTransaction, writer: DriverRowWriter): void {
  writers.set(tx, writer);
}

/** The driver writer `tx` was given, if any. */
export function driverRowWriter(tx: object): DriverRowWriter | undefined {
  return writers.get(tx as DbTransaction);
}
