import { randomUUID } from 'node:crypto';
import type { Db, DbTransaction, Dialect } from '../store/index.ts';
import { insertRows } from '../store/insert-rows.ts';
import type { SqlSession } from '../store/sql.ts';

/** A job as a worker sees it after leasing it. `attempts` counts this run. */
export interface LeasedJob {
  id: string;
  tenantId: string;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  /**
   * When this run became due (its place in the queue). Work a job causes can keep that place
   * (`runAtMs` of the jobs it enqueues), so it is not queued behind what arrived later.
   * Absent only where a job is made up outside the queue.
   */
  dueAtMs?: number;
}

const DEFAULT_MAX_ATTEMPTS = 8;

export interface NewJob {
  tenantId: string;
  kind: string;
  payload: unknown;
  runAtMs: number;
  maxAttempts?: number;
}

/**
 * Writes jobs in the caller's transaction, so a job exists exactly when its cause does.
 * One multi-row INSERT: this runs in every webhook batch, where Prisma's createMany was the
 * largest single cost (see bench/README.md).
 */
export async function enqueueJobs(tx: DbTransaction, jobs: NewJob[]): Promise<void> {
  const now = new Date();
  await insertRows(
    tx,
    'jobs',
    jobs.map((job) => ({
      id: randomUUID(),
      tenantId: job.tenantId,
      kind: job.kind,
      payload: JSON.stringify(job.payload),
      status: 'queued',
      runAtMs: BigInt(job.runAtMs),
      attempts: 0,
      maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      createdAt: now,
      updatedAt: now,
    })),
  );
}

interface LeasedRow {
  id: string;
  tenantId: string;
  kind: string;
  payload: string;
  attempts: number | bigint;
  maxAttempts: number | bigint;
  runAtMs: number | bigint;
}

/**
 * Claims up to `limit` runnable jobs: queued ones that are due, and running ones whose
 * lease expired (their worker died). On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several
 * processes claim at once without waiting on each other; SQLite has one writer anyway.
 */
export async function leaseJobs(
  db: Db,
  dialect: Dialect,
  options: { workerId: string; limit: number; nowMs: number; leaseMs: number },
): Promise<LeasedJob[]> {
  const { workerId, limit, nowMs, leaseMs } = options;
  const until = BigInt(nowMs + leaseMs);
  const now = BigInt(nowMs);
  const rows =
    dialect === 'postgresql'
      ? await db.$queryRaw<LeasedRow[]>`
          UPDATE "jobs" SET "status" = 'running', "lockedBy" = ${workerId}, "lockedUntilMs" = ${until},
                 "attempts" = "attempts" + 1
          WHERE "id" IN (
            SELECT "id" FROM "jobs"
            WHERE ("status" = 'queued' AND "runAtMs" <= ${now}) OR ("status" = 'running' AND "lockedUntilMs" < ${now})
            ORDER BY "runAtMs" LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          RETURNING "id", "tenantId", "kind", "payload", "attempts", "maxAttempts", "runAtMs"`
      : await db.$queryRaw<LeasedRow[]>`
          UPDATE "jobs" SET "status" = 'running', "lockedBy" = ${workerId}, "lockedUntilMs" = ${until},
                 "attempts" = "attempts" + 1
          WHERE "id" IN (
            SELECT "id" FROM "jobs"
            WHERE ("status" = 'queued' AND "runAtMs" <= ${now}) OR ("status" = 'running' AND "lockedUntilMs" < ${now})
            ORDER BY "runAtMs" LIMIT ${limit})
          RETURNING "id", "tenantId", "kind", "payload", "attempts", "maxAttempts", "runAtMs"`;
  // RETURNING does not keep the subquery's order; the oldest due job runs first.
  rows.sort((left, right) => Number(left.runAtMs) - Number(right.runAtMs));
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenantId,
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.maxAttempts),
    dueAtMs: Number(row.runAtMs),
  }));
}

/** Extends a lease this worker still holds; false when another worker has taken the job over. */
export async function renewLease(db: Db, jobId: string, workerId: string, untilMs: number): Promise<boolean> {
  const result = await db.job.updateMany({
    where: { id: jobId, lockedBy: workerId, status: 'running' },
    data: { lockedUntilMs: BigInt(untilMs) },
  });
  return result.count === 1;
}

/**
 * Marks jobs done, with one statement for the batch. Only those this worker still holds:
 * a job whose lease went to another worker is that worker's to settle. `lockedBy` stays as
 * the record of which worker ran it to the end.
 */
export async function completeJobs(sql: SqlSession, jobIds: string[], workerId: string): Promise<number> {
  if (jobIds.length === 0) return 0;
  return sql.run(
    `UPDATE "jobs" SET "status" = 'done', "lockedUntilMs" = NULL, "updatedAt" = ?
     WHERE "id" IN (${jobIds.map(() => '?').join(', ')}) AND "lockedBy" = ? AND "status" = 'running'`,
    [new Date(), ...jobIds, workerId],
  );
}

/**
 * Gives jobs this worker still holds back to the queue, due now, without counting the
 * interrupted run as an attempt: a process shutting down hands its unfinished work to
 * another at once instead of letting it wait for the lease to expire.
 */
export async function releaseJobs(
  db: Db,
  jobIds: string[],
  workerId: string,
  nowMs: number,
): Promise<number> {
  if (jobIds.length === 0) return 0;
  const result = await db.job.updateMany({
    where: { id: { in: jobIds }, lockedBy: workerId, status: 'running' },
    data: {
      status: 'queued',
      runAtMs: BigInt(nowMs),
      lockedBy: null,
      lockedUntilMs: null,
      attempts: { decrement: 1 },
    },
  });
  return result.count;
}

export async function rescheduleJob(
  db: Db,
  jobId: string,
  workerId: string,
  runAtMs: number,
  error: string,
): Promise<void> {
  await db.job.updateMany({
    where: { id: jobId, lockedBy: workerId, status: 'running' },
    data: {
      status: 'queued',
      runAtMs: BigInt(runAtMs),
      lockedBy: null,
      lockedUntilMs: null,
      lastError: error,
    },
  });
}

export async function buryJob(db: Db, jobId: string, workerId: string, error: string): Promise<void> {
  await db.job.updateMany({
    where: { id: jobId, lockedBy: workerId, status: 'running' },
    data: { status: 'dead', lockedUntilMs: null, lastError: error },
  });
}
