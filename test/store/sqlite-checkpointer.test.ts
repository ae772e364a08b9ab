import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestStatements } from '../../src/store/ingest-statements.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { startCheckpointer } from '../../src/store/sqlite-checkpointer.ts';
import { createTestStore } from '../support/database.ts';

const ROW_BYTES = 2_000;

// The client's connection no longer checkpoints inside its commits; a thread with a connection
// of its own copies the write-ahead log into the file (src/store/sqlite-checkpointer.ts).
describe.runIf(process.env.DATABASE_URL === undefined)(
  'SQLite checkpoints on a thread of their own, and the connection settings',
  () => {
    let folder: string;
    let file: string;
    let handle: Database.Database;

    beforeEach(async () => {
      folder = await mkdtemp(path.join(tmpdir(), 'switchboard-checkpoint-'));
      file = path.join(folder, 'probe.db');
      handle = new Database(file);
      handle.pragma('journal_mode = WAL');
      handle.exec('CREATE TABLE "notes" ("id" INTEGER PRIMARY KEY, "body" TEXT NOT NULL)');
    });

    afterEach(async () => {
      if (handle.open) handle.close();
      await rm(folder, { recursive: true, force: true });
    });

    const write = (rows: number) => {
      const insert = handle.prepare('INSERT INTO "notes" ("body") VALUES (?)');
      handle.transaction(() => {
        for (let row = 0; row < rows; row += 1) insert.run('x'.repeat(ROW_BYTES));
      })();
    };
    const autocheckpoint = () => handle.pragma('wal_autocheckpoint', { simple: true });

    it('copies what the writer committed while the writer stops checkpointing, and hands back when stopped', async () => {
      const checkpointer = startCheckpointer(handle, file);
      expect(autocheckpoint()).toBe(0);
      write(3_000);
      // The writer left every frame in the log; the thread's next checkpoint copies them all.
      const result = await checkpointer.next();
      expect(result.busy).toBe(0);
      expect(result.log).toBeGreaterThan(1_000);
      expect(result.checkpointed).toBe(result.log);
      // With everything copied, the writer's next transaction starts the log over.
      write(1);
      expect((await checkpointer.next()).log).toBeLessThan(10);
      await checkpointer.stop();
      expect(autocheckpoint()).toBe(1_000);
    });

    it('keeps the log bounded under a stream of commits', async () => {
      const checkpointer = startCheckpointer(handle, file);
      for (let round = 0; round < 10; round += 1) {
        write(200);
        await checkpointer.next();
      }
      // 10 × 200 rows of 2 kB is 4 MB of pages; a log that was never copied would hold all of it.
      const { size } = await stat(`${file}-wal`);
      expect(size).toBeLessThan(1_500_000);
      await checkpointer.stop();
    });

    it('opens the store’s connection with its settings', async () => {
      const store = await createTestStore();
      try {
        const pragma = async (name: string) => {
          const [row] = await sqlOf(store.db).all<Record<string, unknown>>(`PRAGMA ${name}`);
          return row?.[name];
        };
        expect(await pragma('journal_mode')).toBe('wal');
        // 1 = NORMAL, 2 = MEMORY.
        expect(Number(await pragma('synchronous'))).toBe(1);
        expect(Number(await pragma('secure_delete'))).toBe(1);
        expect(Number(await pragma('temp_store'))).toBe(2);
      } finally {
        await store.dispose();
      }
    });

    it('takes over the store’s checkpoints at its first ingest batch', async () => {
      const store = await createTestStore();
      try {
        const setting = async () => {
          const [row] = await sqlOf(store.db).all<{ wal_autocheckpoint: number }>(
            'PRAGMA wal_autocheckpoint',
          );
          return Number(row?.wal_autocheckpoint);
        };
        // Started and idle: the connection checkpoints itself, no thread is running.
        expect(await setting()).toBe(1_000);
        await store.db.$transaction(async (tx) => {
          await ingestStatements(store.db, tx).storedMessages([]);
        });
        expect(await setting()).toBe(0);
      } finally {
        await store.dispose();
      }
    });
  },
);
