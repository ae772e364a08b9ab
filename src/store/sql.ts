import type { Db, DbTransaction } from './db.ts';
import type { Dialect } from './dialect.ts';

/**
 * SQL on the driver, for the hot paths (the queue, the respond and deliver jobs): prepared
 * statements run by better-sqlite3 or pg directly, without Prisma's query compiler, which cost
 * about 0.5 ms of CPU per statement under load (bench/README.md). Everything else uses Prisma.
 *
 * One SQL text serves both dialects:
 * - placeholders are `?` (turned into `$1`, `$2`… for PostgreSQL; so no `?` elsewhere in the text);
 * - tables are snake_case and camelCase columns double-quoted, as in `db.ts`'s notes;
 * - parameters are bound as Prisma binds them: a Date as the adapter's DateTime text on SQLite and
 *   as UTC on PostgreSQL, a boolean as 1 / 0 on SQLite;
 * - values read back differ by dialect and path: read them with `readDate`, `readNumber` and
 *   `sqlBoolean` (dialect.ts).
 */
export type SqlParameter = string | number | bigint | boolean | Date | null;

export interface SqlSession {
  readonly dialect: Dialect;
  /** The rows of a SELECT, or of a statement with RETURNING. */
  all<Row extends object>(sql: string, parameters?: readonly SqlParameter[]): Promise<Row[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, parameters?: readonly SqlParameter[]): Promise<number>;
}

/**
 * Whether `target` is a driver session rather than Prisma's client or transaction, for code
 * that writes in either (Prisma's clients have no `dialect`).
 */
export function isSqlSession(target: object): target is SqlSession {
  return 'dialect' in target;
}

/** Statements outside a transaction each commit on their own. */
export interface Sql extends SqlSession {
  /**
   * Runs `work` in a transaction of its own, committed when `work` resolves and rolled back
   * when it throws. On SQLite it holds the connection's transaction lock, as Prisma's do, so
   * no other transaction and no statement outside one comes between.
   */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  /** The statements of `tx`, a transaction Prisma opened on this database (`db.$transaction`). */
  within(tx: DbTransaction): SqlSession;
}

// Keyed by the client `openStore` made, so every module holding the client reaches the driver
// without another argument through the app; a client is collected with its entry.
const drivers = new WeakMap<Db, Sql>();

/** Called by each dialect's connect function for the client it made. */
export function provideSql(db: Db, sql: Sql): void {
  drivers.set(db, sql);
}

/** The driver SQL of `db`, a client `openStore` made. */
export function sqlOf(db: Db): Sql {
  const sql = drivers.get(db);
  if (sql === undefined) throw new Error('this database client was not opened by openStore');
  return sql;
}

/** A DateTime column: SQLite gives the adapter's text, PostgreSQL a Date. */
export function readDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

/** An Int or BigInt column, or a COUNT: a number, a bigint, or (pg's int8) a string. */
export function readNumber(value: number | bigint | string): number {
  return Number(value);
}
