import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Connection, Db } from './db.ts';
import { PrismaClient } from './generated/postgresql/client.ts';
import { postgresqlIngestStatements } from './ingest-postgresql.ts';
import { provideIngestStatements } from './ingest-statements.ts';
import { provideSql } from './sql.ts';
import { postgresqlSql } from './sql-postgresql.ts';

// How much longer than the server's statement timeout the client waits for an answer.
const CLIENT_GRACE_MS = 5_000;

// Held by whichever Switchboard process is migrating. The engine takes Prisma's own lock
// (72707369) too, but gives up after 10 s, so a process starting beside a long migration would
// fail; this lock waits as long as the migration takes. A different key keeps the two apart.
const migrationLockKey = 1_400_332_900;

/** How long the client waits for a connection, and for one statement, before failing. */
export interface PostgresqlTimeouts {
  connectMs: number;
  statementMs: number;
}

export const defaultPostgresqlTimeouts: PostgresqlTimeouts = { connectMs: 10_000, statementMs: 30_000 };

/**
 * Connects to the PostgreSQL database at `url` through the pg adapter (a pool of connections).
 * A connection attempt fails after `connectMs`, and a statement after `statementMs`: the
 * server cancels it, and the client gives up a little later in case the server is gone, so an
 * unreachable or stuck database fails a job (which is retried) instead of hanging it.
 */
export function connectPostgresql(
  url: string,
  timeouts: PostgresqlTimeouts = defaultPostgresqlTimeouts,
): Connection {
  // The pool is ours, not the adapter's own, so the metrics can read its counts.
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + CLIENT_GRACE_MS,
  });
  // Both clients are generated from the same models and differ only in provider, so the
  // PostgreSQL client is typed as the SQLite one. This is the one place that says so.
  const db = new PrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
  }) as unknown as Db;
  provideIngestStatements(db, postgresqlIngestStatements);
  provideSql(db, postgresqlSql(pool));
  return {
    db,
    state: async () => ({
      pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
    }),
    migrationTarget: {
      dialect: 'postgresql',
      // One connection per engine, so the engine's own session-level advisory lock is released
      // on the connection that took it.
      // No statement timeout here: a migration takes as long as it takes.
      adapterFactory: new PrismaPg({
        connectionString: url,
        max: 1,
        connectionTimeoutMillis: timeouts.connectMs,
      }),
      exclusively: (work) => withMigrationLock(url, timeouts, work),
    },
  };
}

/** Runs `work` holding the migration advisory lock on a dedicated connection. */
async function withMigrationLock<T>(
  url: string,
  timeouts: PostgresqlTimeouts,
  work: () => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeouts.connectMs });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    return await work();
  } finally {
    // Ending the session releases the lock, also when `work` failed.
    await client.end();
  }
}
