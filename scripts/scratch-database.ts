import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Dialect } from '../src/store/dialect.ts';

export interface ScratchDatabase {
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Deletes the database and everything in it. */
  dispose(): Promise<void>;
}

/**
 * An empty throwaway database for `dialect`: a SQLite file in a temporary folder, or an
 * in-memory PGlite (PostgreSQL compiled to WebAssembly), so no server is needed.
 */
export async function openScratchDatabase(dialect: Dialect): Promise<ScratchDatabase> {
  if (dialect === 'postgresql') {
    const pglite = new PGlite();
    return { adapterFactory: new PrismaPGlite(pglite), dispose: () => pglite.close() };
  }
  const directory = await mkdtemp(path.join(tmpdir(), 'switchboard-scratch-'));
  return {
    adapterFactory: new PrismaBetterSqlite3({ url: `file:${path.join(directory, 'scratch.db')}` }),
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
}
