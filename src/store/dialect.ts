/** The two databases Switchboard runs on: an embedded SQLite file, or a PostgreSQL server. */
export type Dialect = 'sqlite' | 'postgresql';

/**
 * Names the dialect a database URL selects. No URL, or a `file:` URL, means the embedded SQLite
 * database. Throws for any other scheme, naming only the scheme so a password never reaches a log.
 */
export function dialectOf(databaseUrl: string | undefined): Dialect {
  if (databaseUrl === undefined || databaseUrl === '' || databaseUrl.startsWith('file:')) return 'sqlite';
  if (databaseUrl.startsWith('postgresql://') || databaseUrl.startsWith('postgres://')) return 'postgresql';
  const scheme = databaseUrl.split(':', 1)[0];
  throw new Error(`Unsupported database URL scheme "${scheme}:"; use file:, postgresql:// or postgres://`);
}

/** A boolean read with raw SQL: SQLite answers booleans and EXISTS with 0 / 1, PostgreSQL with booleans. */
export const sqlBoolean = (value: boolean | number | bigint): boolean => Number(value) === 1;
