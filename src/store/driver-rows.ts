import type { DbTransaction } from './db.ts';
import type { SqlValue } from './insert-rows.ts';

/** Writes rows as `insertRows` does, on the driver of an open transaction. */
export type DriverRowWriter = (table: string, rows: Array<Record<string, SqlValue>>) => Promise<void>;

// Keyed by Prisma's transaction client, so an entry lives exactly as long as its transaction.
const writers = new WeakMap<DbTransaction, DriverRowWriter>();

/**
 * Makes `insertRows` in `tx` write with `writer`. On SQLite an ingest batch's transaction does
 * this, so the rows other modules add to the batch (`message_received` events, forwarding
 * jobs) skip Prisma's per-parameter cost too, on the same connection and transaction.
 */
export function writeRowsOnDriver(tx: DbTransaction, writer: DriverRowWriter): void {
  writers.set(tx, writer);
}

/** The driver writer `tx` was given, if any. */
export function driverRowWriter(tx: object): DriverRowWriter | undefined {
  return writers.get(tx as DbTransaction);
}
