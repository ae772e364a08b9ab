import { chmod, mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type Database from 'better-sqlite3';
import type { Connection } from './db.ts';
import { writeRowsOnDriver } from './driver-rows.ts';
import { PrismaClient } from './generated/sqlite/client.ts';
import { sqliteIngestStatements } from './ingest-sqlite.ts';
import { provideIngestStatements } from './ingest-statements.ts';
import { provideSql } from './sql.ts';
import { type SqliteConnection, sqliteSql } from './sql-sqlite.ts';
import { type Checkpointer, startCheckpointer } from './sqlite-checkpointer.ts';
import { guardTransactions } from './sqlite-transaction-guard.ts';
import { cacheStatements } from './statement-cache.ts';

// WAL lets readers work beside the single writer, and with synchronous=NORMAL a commit no longer
// waits for an fsync (a power cut can lose the last commits, never corrupt the file): about ten
// times the write rate of the default journal. Foreign keys are per connection in SQLite.
// secure_delete zeroes deleted cells and freed pages, so an erased message leaves no bytes
// behind in the file (the erase then checkpoints the WAL, which held the old pages).
// temp_store = MEMORY keeps the small temporary b-trees of ORDER BY, subqueries and RETURNING
// in memory, and with them message text out of temporary files: with the default, each opened
// a temporary file, and the job claim cost 0.25 ms instead of 0.08 (bench/README.md).
const connectionSetup =
  'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;';

// How long a statement waits for another connection's write lock before failing with SQLITE_BUSY.
const busyTimeoutMs = 5000;

/**
 * Opens the SQLite database in `file` through the better-sqlite3 adapter. A missing folder is
 * created 0700, and the file is created (or kept) 0600: it holds every conversation. SQLite
 * gives its -wal and -shm files the database file's mode.
 */
export async function connectSqlite(file: string): Promise<Connection> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await (await open(file, 'a', 0o600)).close();
  await chmod(file, 0o600);
  const driver = new PrismaBetterSqlite3({ url: file, timeout: busyTimeoutMs });
  const adapterFactory = withConnectionSetup(driver);
  // The client's connection (not the engine's) carries the ingest statements and the driver
  // SQL; it is opened on the client's first query, and again if the client reconnects.
  let ingest: ReturnType<typeof sqliteIngestStatements> | undefined;
  let current: SqliteConnection | undefined;
  // The client's connection (not the engine's: migrations need the file to themselves) hands
  // its checkpoints to a thread once webhooks are stored. Until the first ingest batch it
  // checkpoints itself, so start-up and an idle gateway do without the thread (about 8 MiB).
  let checkpointer: Checkpointer | undefined;
  const checkpointOnThread = (connection: SqliteConnection) => {
    checkpointer ??= startCheckpointer(connection.handle, file);
  };
  const db = new PrismaClient({
    adapter: withConnectionSetup(driver, (connection) => {
      ingest = sqliteIngestStatements(connection.handle, connection.prepare);
      current = connection;
      void checkpointer?.stop();
      checkpointer = undefined;
    }),
  });
  provideSql(db, sqliteSql({ current: () => current, connect: () => db.$connect() }));
  provideIngestStatements(db, (tx) => {
    if (ingest === undefined || current === undefined) throw new Error('the SQLite client is not connected');
    checkpointOnThread(current);
    // The rows other modules add to the batch through `insertRows` go on the driver too.
    writeRowsOnDriver(tx, ingest.writeRows);
    return ingest;
  });
  // One file, no pool: its size and the write-ahead log's (which grows when checkpoints lag).
  const size = (name: string) =>
    stat(name).then(
      (stats) => stats.size,
      () => 0,
    );
  return {
    db,
    closeDriver: async () => {
      await checkpointer?.stop();
      checkpointer = undefined;
    },
    state: async () => ({ files: { database: await size(file), wal: await size(`${file}-wal`) } }),
    migrationTarget: {
      dialect: 'sqlite',
      adapterFactory,
      // The engine serializes SQLite migrations itself: it sets locking_mode=EXCLUSIVE on its
      // connection, and before writing waits up to the busy timeout for all others to close.
      exclusively: (work) => work().catch((error: unknown) => explainBusy(error, file)),
    },
  };
}

/**
 * Runs `connectionSetup` on every connection the adapter opens, the client's and the engine's,
 * keeps each connection's prepared statements (`cacheStatements`), and holds a query outside a
 * transaction back while one is open (`guardTransactions`). `onConnected` receives the
 * connection: its handle, the handle's own `prepare` (from before the cache replaced it), the
 * guarded adapter connection, and when it is idle.
 */
function withConnectionSetup(
  factory: PrismaBetterSqlite3,
  onConnected?: (connection: SqliteConnection) => void,
): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const connection = await factory.connect();
      await connection.executeScript(connectionSetup);
      // The adapter keeps its better-sqlite3 handle in `client` (not in its type declarations).
      const handle = (connection as unknown as { client?: Database.Database }).client;
      if (typeof handle?.prepare !== 'function')
        throw new Error('the SQLite adapter no longer exposes its handle');
      const prepare = handle.prepare.bind(handle);
      cacheStatements(handle);
      const guarded = guardTransactions(connection, () => handle.inTransaction);
      onConnected?.({
        handle,
        prepare: (sql) => prepare(sql),
        adapter: guarded.connection,
        idle: guarded.idle,
      });
      return guarded.connection;
    },
    connectToShadowDb: () => factory.connectToShadowDb(),
  };
}

/**
 * The adapter reports SQLITE_BUSY as "SocketTimeout", a kind the engine's build does not know,
 * so the engine's message names neither the cause nor the fix.
 */
function explainBusy(error: unknown, file: string): never {
  if (error instanceof Error && error.message.includes('SocketTimeout')) {
    throw new Error(
      `Cannot migrate ${file}: another process has it open. SQLite migrations need the file to ` +
        'themselves; stop the other Switchboard process and start again.',
      { cause: error },
    );
  }
  throw error;
}
