// The store: one Prisma client over SQLite (embedded default) or PostgreSQL (scale-out), with
// the matching migration history applied on open. Read the raw SQL notes in db.ts before
// writing raw SQL.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { Connection, Db } from './db.ts';
import { type Dialect, dialectOf } from './dialect.ts';
import { applyPendingMigrations } from './migrate.ts';
import type { PostgresqlTimeouts } from './postgresql.ts';

export type { Db, DbTransaction } from './db.ts';
export type { Dialect } from './dialect.ts';

/** What a dialect can tell about its connections, for the metrics; each fills what applies. */
export interface DatabaseState {
  /** PostgreSQL: the pool's open and idle connections, and the queries waiting for one. */
  pool?: { total: number; idle: number; waiting: number };
  /** SQLite: the sizes in bytes of the database file and of its write-ahead log. */
  files?: { database: number; wal: number };
}

export interface Store {
  db: Db;
  dialect: Dialect;
  /** The connections' state now (metrics). */
  state?(): Promise<DatabaseState>;
  /** Disconnects the client; the store is unusable afterwards. */
  close(): Promise<void>;
  /**
   * PostgreSQL only: calls `handler` with the payload of every NOTIFY on `channel`, on a
   * dedicated connection that reconnects after errors. Resolves to a function that stops it.
   */
  listen?(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
}

/**
 * Opens the database and applies pending migrations before resolving.
 *
 * - No `databaseUrl`: the SQLite file `<dataDir>/switchboard.db` (the folder is created).
 * - `file:<path>`: that SQLite file; a relative path is resolved against the working directory.
 * - `postgresql://…` or `postgres://…`: that PostgreSQL database. Processes starting together
 *   take turns migrating under an advisory lock.
 *
 * `log` receives one line naming the migrations applied, if any. `postgresqlTimeouts` bound
 * connecting and each statement on PostgreSQL (default 10 s and 30 s). Throws for another URL
 * scheme and when a migration fails.
 */
export async function openStore(options: {
  databaseUrl?: string;
  dataDir: string;
  log?: (message: string) => void;
  postgresqlTimeouts?: PostgresqlTimeouts;
}): Promise<Store> {
  const dialect = dialectOf(options.databaseUrl);
  // The client connects on its first query, after the migrations ran on their own connections.
  const { db, migrationTarget, state, closeDriver } = await connect(dialect, options);
  const applied = await applyPendingMigrations(migrationTarget);
  if (applied.length > 0) options.log?.(`Applied ${dialect} migrations: ${applied.join(', ')}`);
  const listen =
    dialect === 'postgresql'
      ? async (channel: string, handler: (payload: string) => void) => {
          const { listenOn } = await import('./postgresql-listen.ts');
          return listenOn(options.databaseUrl!, channel, handler);
        }
      : undefined;
  const close = async () => {
    await db.$disconnect();
    await closeDriver?.();
  };
  return { db, dialect, state, close, ...(listen ? { listen } : {}) };
}

// Each dialect's module is loaded only when used: the other generated client and driver add
// about 100 ms to startup.
async function connect(
  dialect: Dialect,
  options: { databaseUrl?: string; dataDir: string; postgresqlTimeouts?: PostgresqlTimeouts },
): Promise<Connection> {
  compileWebAssemblyWithLiftoffOnly();
  if (dialect === 'postgresql') {
    const { connectPostgresql } = await import('./postgresql.ts');
    return connectPostgresql(options.databaseUrl!, options.postgresqlTimeouts);
  }
  const { connectSqlite } = await import('./sqlite.ts');
  return connectSqlite(sqliteFile(options));
}

function sqliteFile(options: { databaseUrl?: string; dataDir: string }): string {
  const url = options.databaseUrl;
  if (!url) return path.join(options.dataDir, 'switchboard.db');
  if (url.startsWith('file://')) return fileURLToPath(url);
  return path.resolve(url.slice('file:'.length));
}

/**
 * Prisma's query compiler (and, for migrations, its schema engine) is WebAssembly, which V8
 * compiles with its baseline compiler, Liftoff, and then again with its optimizing compiler,
 * TurboFan, for the functions it runs often. TurboFan's work on these large modules held about
 * 60 MiB of resident memory in an idle gateway, while queries cost no more CPU without it
 * (`bench/README.md`, "Start-up"). Set before the generated client compiles the module; the flag
 * applies to the whole process.
 */
function compileWebAssemblyWithLiftoffOnly(): void {
  setFlagsFromString('--liftoff-only');
}
