/**
 * Fresh databases for tests: a SQLite file in a temporary folder, or, when DATABASE_URL names a
 * PostgreSQL server, a new uniquely named database on that server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/index.ts';

export interface TestStore extends Store {
  /** The database's URL; `openStore({ databaseUrl: url, … })` in another process opens the same one. */
  url: string;
  /** Closes the store and deletes the database. */
  dispose(): Promise<void>;
}

/** `DATABASE_URL` when it names a PostgreSQL server, otherwise undefined (tests use SQLite). */
export function postgresServerUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url?.startsWith('postgresql://') || url?.startsWith('postgres://') ? url : undefined;
}

/** Opens a store on a new, empty, fully migrated database that no other test uses. */
export async function createTestStore(): Promise<TestStore> {
  const serverUrl = postgresServerUrl();
  if (serverUrl) {
    const database = await createPostgresDatabase(serverUrl);
    const store = await openStore({ databaseUrl: database.url, dataDir: tmpdir() }).catch(async (error) => {
      await database.drop();
      throw error;
    });
    return withDisposal(store, database.url, database.drop);
  }
  const directory = await mkdtemp(path.join(tmpdir(), 'switchboard-test-'));
  const store = await openStore({ dataDir: directory });
  return withDisposal(store, `file:${path.join(directory, 'switchboard.db')}`, () =>
    rm(directory, { recursive: true, force: true }),
  );
}

/**
 * Creates a uniquely named database on the server `serverUrl` points at; `url` is the server URL
 * with that database's name, and `drop` removes it even while connections remain.
 */
export async function createPostgresDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `switchboard_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => dropDatabase(serverUrl, name),
  };
}

/**
 * Drops a database even while connections remain. An autovacuum worker that is busy with the
 * database (after a test wrote many rows) makes FORCE fail with 42501, as if it were another
 * role's session; it finishes within moments, so the drop is tried again.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDisposal(store: Store, url: string, remove: () => Promise<void>): TestStore {
  return {
    ...store,
    url,
    async dispose() {
      await store.close();
      await remove();
    },
  };
}
