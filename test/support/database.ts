/**
 * Fresh databases for tests: a SQLite file in a temporary folder, or, when DATABASE_URL names a
 * PostgreSQL server, a new uniquely named database on that server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/index.ts';
import { readMigrationHistory } from '../../src/store/migration-history.ts';

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
    const database = await createPostgresDatabase(serverUrl, await migratedPostgresTemplate(serverUrl));
    const store = await openStore({ databaseUrl: database.url, dataDir: tmpdir() }).catch(async (error) => {
      await database.drop();
      throw error;
    });
    return withDisposal(store, database.url, database.drop);
  }
  const directory = await mkdtemp(path.join(tmpdir(), 'switchboard-test-'));
  await copyFile(await migratedSqliteTemplate(), path.join(directory, 'switchboard.db'));
  const store = await openStore({ dataDir: directory });
  return withDisposal(store, `file:${path.join(directory, 'switchboard.db')}`, () =>
    rm(directory, { recursive: true, force: true }),
  );
}

/**
 * Creates a uniquely named database on the server `serverUrl` points at, empty or as a copy of
 * `template`; `url` is the server URL with that database's name, and `drop` removes it even
 * while connections remain.
 */
export async function createPostgresDatabase(
  serverUrl: string,
  template?: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `switchboard_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  // A copy fails with 55006 while any session is on the template: only autovacuum could be.
  await retriedOn('55006', () =>
    onServer(serverUrl, `CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`),
  );
  return {
    url: databaseUrl(serverUrl, name),
    drop: () => dropDatabase(serverUrl, name),
  };
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// Migrating a new database costs about a second on PostgreSQL (the schema engine) and 90 ms on
// SQLite, once per store, hundreds of times per run; copying a migrated one costs a fraction.
// The stores opened on the copies still run the migration check, which finds nothing pending.

/** Per test process: a migrated SQLite file to copy, removed when the process exits. */
let sqliteTemplate: Promise<string> | undefined;

function migratedSqliteTemplate(): Promise<string> {
  sqliteTemplate ??= (async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'switchboard-template-'));
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    // Closing the only connection checkpoints the write-ahead log into the file.
    await (await openStore({ dataDir: directory })).close();
    return path.join(directory, 'switchboard.db');
  })();
  return sqliteTemplate;
}

// Serializes the test processes building the template on one server.
const TEMPLATE_LOCK = 1_400_332_901;
let postgresTemplate: Promise<string> | undefined;

/**
 * A migrated database on the server to create test databases from, named after the migration
 * history it holds, so a changed history gets a new one. The first test process to need it
 * builds it under an advisory lock; the others wait and find it. It stays on the server (a
 * private server is removed after the run).
 */
function migratedPostgresTemplate(serverUrl: string): Promise<string> {
  postgresTemplate ??= (async () => {
    const history = JSON.stringify(await readMigrationHistory('postgresql'));
    const name = `switchboard_template_${createHash('sha256').update(history).digest('hex').slice(0, 16)}`;
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        // Built under another name and renamed when complete, so no process copies half of it.
        const building = `${name}_${process.pid}`;
        await client.query(`DROP DATABASE IF EXISTS "${building}"`);
        await client.query(`CREATE DATABASE "${building}"`);
        await (await openStore({ databaseUrl: databaseUrl(serverUrl, building), dataDir: tmpdir() })).close();
        await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      }
    } finally {
      // Ending the session releases the lock.
      await client.end();
    }
    return name;
  })();
  return postgresTemplate;
}

/**
 * Drops a database even while connections remain. An autovacuum worker that is busy with the
 * database (after a test wrote many rows) makes FORCE fail with 42501, as if it were another
 * role's session; it finishes within moments, so the drop is tried again.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await retriedOn('42501', () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Runs `work`, again after 200 ms while it fails with the SQLSTATE `code`, ten times at most. */
async function retriedOn(code: string, work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== code || attempt >= 10) throw error;
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
