import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** How often the checkpointer copies what the write-ahead log holds into the database file. */
const CHECKPOINT_INTERVAL_MS = 200;

// SQLite's own default (`wal_autocheckpoint`), restored if the checkpointer stops.
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

/**
 * The checkpointer's thread, as CommonJS source (`eval`): its own connection to the file runs
 * a PASSIVE checkpoint every interval. A passive checkpoint takes no lock a writer waits for:
 * it copies the frames committed so far and returns; the writer's next transaction then
 * starts the log over once everything in it is copied.
 */
const checkpointerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let reportNext = false;
const timer = setInterval(() => {
  const [result] = checkpoint.all();
  if (reportNext) parentPort.postMessage(result);
  reportNext = false;
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'report') {
    reportNext = true;
    return;
  }
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** What the last checkpoint found: frames in the log, and how many of them are in the file. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface Checkpointer {
  /** Stops the thread and closes its connection (the client's connection checkpoints itself again). */
  stop(): Promise<void>;
  /** Resolves with the next checkpoint's result (for tests). */
  next(): Promise<CheckpointResult>;
}

/**
 * Moves SQLite's checkpoints off the event loop. In WAL mode every commit appends the pages it
 * changed to the log, and by default the committing connection copies the log into the
 * database file (two fsyncs) each time it passes 1,000 pages: under a steady stream of
 * webhooks that copy ran inside a commit every few hundred messages, about half of what a
 * commit cost in all (bench/README.md). Here the client's connection stops checkpointing
 * (`wal_autocheckpoint = 0`) and a worker thread does it on a connection of its own, on the
 * other core. That connection never writes rows: the file still has one writer. If the thread
 * fails, the client's connection checkpoints itself again, so the log never grows unbounded.
 */
export function startCheckpointer(handle: Database.Database, file: string): Checkpointer {
  const worker = new Worker(checkpointerSource, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  // The thread never keeps the process alive; a store that is never closed just loses it at exit.
  worker.unref();
  handle.pragma('wal_autocheckpoint = 0');
  const checkpointSelf = () => {
    if (handle.open) handle.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', checkpointSelf);
  void exited.then(checkpointSelf);
  return {
    async stop() {
      worker.postMessage('stop');
      await exited;
    },
    next: () =>
      new Promise<CheckpointResult>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', (result: CheckpointResult) => {
          worker.off('error', reject);
          resolve(result);
        });
        worker.postMessage('report');
      }),
  };
}
