import type { SqlMigrationAwareDriverAdapterFactory, SqlQuery } from '@prisma/driver-adapter-utils';
import type { Dialect } from './dialect.ts';
import { readMigrationHistory } from './migration-history.ts';

/** A database to bring up to date, as each dialect's connection module describes it. */
export interface MigrationTarget {
  dialect: Dialect;
  /** Opens connections for the pending check and for the schema engine. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Runs `work` while no other process is migrating the same database. */
  exclusively<T>(work: () => Promise<T>): Promise<T>;
}

const migrationsTableExists: Record<Dialect, string> = {
  sqlite: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`,
  postgresql: `SELECT 1 FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'`,
};
const finishedMigrations = `SELECT migration_name FROM _prisma_migrations
  WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;

/**
 * Applies the migrations of `target.dialect`'s history that the database has not recorded as
 * finished, as `prisma migrate deploy` does (same `_prisma_migrations` table), and returns their
 * names. Loading the schema engine takes 50–120 ms and reading the table about 15, so the table is
 * read first and the engine is started only when something is pending.
 *
 * Call it before the application's client connects: on SQLite the engine writes only once every
 * other connection has closed the file (it switches its own to locking_mode=EXCLUSIVE).
 */
export async function applyPendingMigrations(target: MigrationTarget): Promise<string[]> {
  const history = await readMigrationHistory(target.dialect);
  const finished = await finishedMigrationNames(target);
  if (history.migrationDirectories.every((directory) => finished.has(directory.path))) return [];
  return target.exclusively(async () => {
    // Another process may have finished while this one waited; the engine re-reads the table
    // and applies only what is still pending. Its glue module is loaded only now: a start with
    // nothing to migrate (every restart) does not pay for it (bench/README.md, start-up).
    const { openSchemaEngine } = await import('./schema-engine.ts');
    const session = await openSchemaEngine({ adapterFactory: target.adapterFactory });
    try {
      const result = await session.engine.applyMigrations({
        migrationsList: history,
        filters: { externalTables: [], externalEnums: [] },
      });
      return result.appliedMigrationNames;
    } finally {
      await session.close();
    }
  });
}

/** Migrations recorded as finished and not rolled back; empty before the first migration. */
async function finishedMigrationNames(target: MigrationTarget): Promise<Set<string>> {
  const connection = await target.adapterFactory.connect();
  try {
    const tables = await connection.queryRaw(query(migrationsTableExists[target.dialect]));
    if (tables.rows.length === 0) return new Set();
    const migrations = await connection.queryRaw(query(finishedMigrations));
    return new Set(migrations.rows.map((row) => String(row[0])));
  } finally {
    await connection.dispose();
  }
}

function query(sql: string): SqlQuery {
  return { sql, args: [], argTypes: [] };
}
