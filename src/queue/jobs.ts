import { randomUUID } from 'node:crypto';
import type { DbTransaction } from '../store/index.ts';
import { insertRows } from '../store/insert-rows.ts';
import { readNumber, type SqlSession } from '../store/sql.ts';

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

/** A lease held from the start: the job is written running, its first attempt counted. */
export interface JobLease {
  workerId: string;
  untilMs: number;
}

export interface NewJob {
  /** Given where the caller needs it (a job it runs itself, `leasedBy`); otherwise a new one. */
  id?: string;
  tenantId: string;
  kind: string;
  payload: unknown;
  runAtMs: number;
  maxAttempts?: number;
  /**
   * Written already leased by this worker, which runs it without claiming it (`JobContext.follow`).
   * A crash before it ends leaves a running job whose lease expires, and another worker claims it.
   */
  leasedBy?: JobLease;
}

/**
 * Writes jobs in the caller's transaction, so a job exists exactly when its cause does. `into` is a driver session (`sqlOf(db).within(tx)` inside a
 * Prisma transaction, or a driver transaction's), or a Prisma transaction, whose rows go through
 * `insertRows` (and its driver writer in an ingest batch). One multi-row INSERT either way:
 * this runs in every webhook batch, where Prisma's createMany was the largest single cost
 * (see bench/README.md).
 */
export async function enqueueJobs(into: SqlSession | DbTransaction, jobs: NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const now = new Date();
  const rows = jobs.map((job) => ({
    id: job.id ?? randomUUID(),
    tenantId: job.tenantId,
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    status: job.leasedBy ? 'running' : 'queued',
    runAtMs: BigInt(job.runAtMs),
    attempts: job.leasedBy ? 1 : 0,
    maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    lockedBy: job.leasedBy?.workerId ?? null,
    lockedUntilMs: job.leasedBy ? BigInt(job.leasedBy.untilMs) : null,
    createdAt: now,
    updatedAt: now,
  }));
  await insertRows(into, 'jobs', rows);
}

interface LeasedRow {
  id: string;
  tenantId: string;
  kind: string;
  payload: string;
  attempts: number | bigint | string;
  maxAttempts: number | bigint | string;
  runAtMs: number | bigint | string;
}

// The claim statements; PostgreSQL adds `FOR UPDATE SKIP LOCKED` to their subqueries. A worker
// never claims a job it holds itself, even with its lease lapsed (its event loop was held up
// past a renewal): that job is still running here, and its renewal will extend the lease.
// Due jobs alone are read in the index's order and the read stops at the limit; with lapsed
// leases too, the OR reads every due job and sorts them, which grows with the backlog
// (0.06 ms a claim with none waiting, 0.19 ms with a thousand, on SQLite).
const claim = (claimable: string, lock: string) => `
  UPDATE "jobs" SET "status" = 'running', "lockedBy" = ?, "lockedUntilMs" = ?,
         "attempts" = "attempts" + 1, "updatedAt" = ?
  WHERE "id" IN (SELECT "id" FROM "jobs" WHERE ${claimable} ORDER BY "runAtMs" LIMIT ?${lock})
  RETURNING "id", "tenantId", "kind", "payload", "attempts", "maxAttempts", "runAtMs"`;
const DUE = `"status" = 'queued' AND "runAtMs" <= ?`;
const DUE_OR_LAPSED = `(${DUE}) OR ("status" = 'running' AND "lockedUntilMs" < ? AND "lockedBy" <> ?)`;
const claims = (lock: string) => ({ due: claim(DUE, lock), dueOrLapsed: claim(DUE_OR_LAPSED, lock) });
const CLAIMS = { sqlite: claims(''), postgresql: claims(' FOR UPDATE SKIP LOCKED') };

/**
 * Claims up to `limit` runnable jobs: queued ones that are due, and, unless `lapsed` is false,
 * running ones whose lease expired (their worker died). On PostgreSQL `FOR UPDATE SKIP LOCKED`
 * lets several processes claim at once without waiting on each other; SQLite has one writer
 * anyway.
 */
export async function leaseJobs(
  sql: SqlSession,
  options: { workerId: string; limit: number; nowMs: number; leaseMs: number; lapsed?: boolean },
): Promise<LeasedJob[]> {
  const { workerId, limit, nowMs, leaseMs } = options;
  const claimed = [workerId, nowMs + leaseMs, new Date(nowMs), nowMs];
  const { due, dueOrLapsed } = CLAIMS[sql.dialect];
  const rows =
    options.lapsed === false
      ? await sql.all<LeasedRow>(due, [...claimed, limit])
      : await sql.all<LeasedRow>(dueOrLapsed, [...claimed, nowMs, workerId, limit]);
  // RETURNING does not keep the subquery's order; the oldest due job runs first.
  rows.sort((left, right) => readNumber(left.runAtMs) - readNumber(right.runAtMs));
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenantId,
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    attempts: readNumber(row.attempts),
    maxAttempts: readNumber(row.maxAttempts),
    dueAtMs: readNumber(row.runAtMs),
  }));
}

/** Extends a lease this worker still holds; false when another worker has taken the job over. */
export async function renewLease(
  sql: SqlSession,
  jobId: string,
  workerId: string,
  untilMs: number,
): Promise<boolean> {
  const changed = await sql.run(
    `UPDATE "jobs" SET "lockedUntilMs" = ?, "updatedAt" = ?
     WHERE "id" = ? AND "lockedBy" = ? AND "status" = 'running'`,
    [untilMs, new Date(), jobId, workerId],
  );
  return changed === 1;
}

const list = (ids: string[]) => ids.map(() => '?').join(', ');

/**
 * Marks jobs done, with one statement for the batch. Only those this worker still holds:
 * a job whose lease went to another worker is that worker's to settle. `lockedBy` stays as
 * the record of which worker ran it to the end.
 */
export async function completeJobs(sql: SqlSession, jobIds: string[], workerId: string): Promise<number> {
  if (jobIds.length === 0) return 0;
  return sql.run(
    `UPDATE "jobs" SET "status" = 'done', "lockedUntilMs" = NULL, "updatedAt" = ?
     WHERE "id" IN (${list(jobIds)}) AND "lockedBy" = ? AND "status" = 'running'`,
    [new Date(), ...jobIds, workerId],
  );
}

/**
 * Gives jobs this worker still holds back to the queue, due now, without counting the
 * interrupted run as an attempt: a process shutting down hands its unfinished work to
 * another at once instead of letting it wait for the lease to expire.
 */
export async function releaseJobs(
  sql: SqlSession,
  jobIds: string[],
  workerId: string,
  nowMs: number,
): Promise<number> {
  if (jobIds.length === 0) return 0;
  return sql.run(
    `UPDATE "jobs" SET "status" = 'queued', "runAtMs" = ?, "lockedBy" = NULL, "lockedUntilMs" = NULL,
            "attempts" = "attempts" - 1, "updatedAt" = ?
     WHERE "id" IN (${list(jobIds)}) AND "lockedBy" = ? AND "status" = 'running'`,
    [nowMs, new Date(), ...jobIds, workerId],
  );
}

/** Queues a job this worker holds again for `runAtMs`, recording why this run failed. */
export async function rescheduleJob(
  sql: SqlSession,
  jobId: string,
  workerId: string,
  runAtMs: number,
  error: string,
): Promise<void> {
  await sql.run(
    `UPDATE "jobs" SET "status" = 'queued', "runAtMs" = ?, "lockedBy" = NULL, "lockedUntilMs" = NULL,
            "lastError" = ?, "updatedAt" = ?
     WHERE "id" = ? AND "lockedBy" = ? AND "status" = 'running'`,
    [runAtMs, error, new Date(), jobId, workerId],
  );
}

/** Ends a job this worker holds as dead: no attempts left, or an error no retry can mend. */
export async function buryJob(
  sql: SqlSession,
  jobId: string,
  workerId: string,
  error: string,
): Promise<void> {
  await sql.run(
    `UPDATE "jobs" SET "status" = 'dead', "lockedUntilMs" = NULL, "lastError" = ?, "updatedAt" = ?
     WHERE "id" = ? AND "lockedBy" = ? AND "status" = 'running'`,
    [error, new Date(), jobId, workerId],
  );
}
