import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Connection, Db } from './db.ts';
import { PrismaClient } from './generated/postgresql/client.ts';

// Held by whichever Switchboard process is migrating. The engine takes Prisma's own lock
// (72707369) too, but gives up after 10 s, so a process starting beside a long migration would
// fail; this lock waits as long as the migration takes. A different key keeps the two apart.
const migrationLockKey = 1_400_332_900;

/** Connects to the PostgreSQL database at `url` through the pg adapter (a pool of connections). */
export function connectPostgresql(url: string): Connection {
  // The pool is ours, not the adapter's own, so the metrics can read its counts.
  const pool = new pg.Pool({ connectionString: url });
  return {
    // Both clients are generated from the same models and differ only in provider, so the
    // PostgreSQL client is typed as the SQLite one. This is the one place that says so.
    db: new PrismaClient({
      adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    }) as unknown as Db,
    state: async () => ({
      pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
    }),
    migrationTarget: {
      dialect: 'postgresql',
      // One connection per engine, so the engine's own session-level advisory lock is released
      // on the connection that took it.
      adapterFactory: new PrismaPg({ connectionString: url, max: 1 }),
      exclusively: (work) => withMigrationLock(url, work),
    },
  };
}

/** Runs `work` holding the migration advisory lock on a dedicated connection. */
async function withMigrationLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    return await work();
  } finally {
    // Ending the session releases the lock, also when `work` failed.
    await client.end();
  }
}
