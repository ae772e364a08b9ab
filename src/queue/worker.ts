import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { AppError, isAppError } from '../core/errors.ts';
import type { Db } from '../store/index.ts';
import { type SqlSession, sqlOf } from '../store/sql.ts';
import { type BackoffPolicy, defaultBackoff, retryDelayMs } from './backoff.ts';
import {
  buryJob,
  completeJobs,
  type JobLease,
  type LeasedJob,
  leaseJobs,
  releaseJobs,
  renewLease,
  rescheduleJob,
} from './jobs.ts';

/** What a running job can ask of the worker that holds its lease. */
export interface JobContext {
  /**
   * Aborted when this run must stop: its lease went to another worker, or the process is
   * shutting down and has released the lease. Check it before every side effect.
   */
  signal: AbortSignal;
  /**
   * Confirms in the database that this worker still holds the job, and extends the lease.
   * Throws `LEASE_LOST` (and aborts `signal`) when another worker has taken it over. Call it
   * right before a side effect that must not happen twice (a send).
   */
  confirmLease(): Promise<void>;
  /**
   * Marks the job done inside the caller's transaction (its driver statements: `sqlOf(db).within(tx)`
   * for a Prisma transaction), so that its outcome and the job's
   * completion commit together (one statement and transaction fewer per job). Fenced by the
   * lease: false, with `signal` aborted, when another worker holds the job; the caller's own
   * writes are not undone by that (a send the provider accepted must still be recorded).
   * The worker records nothing more for this run. Absent where a job is run outside the
   * worker (tests).
   */
  completeIn?(tx: SqlSession): Promise<boolean>;
  /**
   * A job this run causes, run next by this worker without a claim or a poll: write it with
   * `lease()` as its `NewJob.leasedBy`, and hand it to `run` once that write has committed; the
   * worker starts it when this run ends. A crash in between leaves it running under a lease
   * that expires, and another worker claims it then. Absent where a job is run outside the
   * worker (tests).
   */
  followUp?: {
    lease(): JobLease;
    run(job: LeasedJob): void;
  };
}

/** Runs one kind of job. Throwing retries the job (if the error is retryable and attempts remain). */
export type JobHandler = (job: LeasedJob, context: JobContext) => Promise<void>;

export interface WorkerLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WorkerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  clock: Clock;
  logger: WorkerLogger;
  concurrency: number;
  /** How long a leased job stays ours without renewal; a dead worker's jobs return after this. */
  leaseMs?: number;
  /** Longest sleep between polls when there is nothing to do. */
  pollMs?: number;
  backoff?: BackoffPolicy;
}

export interface Worker {
  readonly id: string;
  /** Claims now instead of at the next poll: call after enqueueing in this process. */
  wake(): void;
  /**
   * Stops claiming work and waits up to `drainMs` for running jobs to finish. Jobs still
   * running then are aborted and their leases released, so another process takes them at
   * once; the interrupted run does not count as an attempt.
   */
  stop(drainMs?: number): Promise<void>;
}

/** A job this worker is running. */
interface RunningJob {
  task: Promise<void>;
  controller: AbortController;
}

/**
 * One worker loop per process. It claims jobs in batches up to its concurrency, renews
 * the leases of long-running jobs, and on failure either reschedules with backoff or,
 * after the last attempt, buries the job as dead.
 *
 * It claims only when jobs may be waiting: at the start, after a wake (work enqueued in this
 * process), once the poll interval has passed since the last claim (retries come due, other
 * processes' work, expired leases: those are looked for at most once per interval), and while
 * claims come back full. A job that ends only frees a slot: it costs no claim unless one of
 * those holds.
 */
export function startWorker(options: WorkerOptions): Worker {
  const { db, handlers, clock, logger, concurrency } = options;
  const sql = sqlOf(db);
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 500;
  const backoff = options.backoff ?? defaultBackoff;
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const running = new Map<string, RunningJob>();
  let stopped = false;
  // Jobs may be waiting to be claimed (see above).
  let waiting = true;
  // When the poll interval next passes (performance.now()); a claim restarts it.
  let pollAt = 0;
  // When a claim next looks for lapsed leases too: at most once per poll interval, since a
  // lease lapses only when its worker died, and that claim costs more the more jobs wait.
  let lapsedAt = 0;
  // Resolves the loop's sleep; `nudged` keeps a nudge that came while the loop was not asleep.
  let wakeUp: (() => void) | undefined;
  let nudged = false;
  let wakePending = false;
  // Completions waiting for the next batch write, and the promise of that write.
  let completions: { jobIds: string[]; written: Promise<void> } | undefined;

  /** Lets the loop look again: a slot was freed, or jobs may be waiting. */
  function nudge(): void {
    if (wakeUp) wakeUp();
    else nudged = true;
  }

  /**
   * Records a job done together with the others that finish in the same turn of the event
   * loop: one statement for the batch instead of one per job.
   */
  function complete(jobId: string): Promise<void> {
    if (!completions) {
      const batch = {
        jobIds: [] as string[],
        written: new Promise<void>((resolve, reject) => {
          setImmediate(() => {
            completions = undefined;
            completeJobs(sql, batch.jobIds, id).then(() => resolve(), reject);
          });
        }),
      };
      completions = batch;
    }
    completions.jobIds.push(jobId);
    return completions.written;
  }

  /** Runs a leased job in a slot of its own, and then the jobs it handed on (`followUp`). */
  function start(job: LeasedJob): void {
    const controller = new AbortController();
    const task: Promise<void> = run(job, controller)
      .catch((error: unknown) => {
        logger.error({ err: error, jobId: job.id }, 'job bookkeeping failed');
        return [];
      })
      .then(async (next) => {
        running.delete(job.id);
        if (!stopped) for (const followed of next) start(followed);
        else if (next.length > 0) await release(next.map((followed) => followed.id));
      })
      .finally(nudge);
    running.set(job.id, { task, controller });
  }

  /** Runs one job; resolves to the jobs it handed on, to run next in this worker. */
  async function run(job: LeasedJob, controller: AbortController): Promise<LeasedJob[]> {
    const { signal } = controller;
    // Until when the lease is ours for certain: past it, another worker may have the job.
    let heldUntilMs = clock.now() + leaseMs;
    const loseLease = () => {
      if (!signal.aborted) controller.abort(new AppError('LEASE_LOST', 'another worker took this job over'));
    };
    const renew = async (): Promise<boolean> => {
      const until = clock.now() + leaseMs;
      if (!(await renewLease(sql, job.id, id, until))) {
        loseLease();
        return false;
      }
      heldUntilMs = until;
      return true;
    };
    let completed = false;
    const next: LeasedJob[] = [];
    const context: JobContext = {
      signal,
      async confirmLease() {
        signal.throwIfAborted();
        if (!(await renew())) signal.throwIfAborted();
      },
      async completeIn(tx) {
        if (signal.aborted) return false;
        if ((await completeJobs(tx, [job.id], id)) === 0) {
          loseLease();
          return false;
        }
        completed = true;
        return true;
      },
      followUp: {
        lease: () => ({ workerId: id, untilMs: clock.now() + leaseMs }),
        run: (followed) => next.push(followed),
      },
    };
    const renewal = setInterval(() => {
      if (signal.aborted) return;
      renew().catch((error: unknown) => {
        logger.warn({ err: error, jobId: job.id }, 'lease renewal failed');
        // Unable to renew in time: the lease may already be someone else's.
        if (clock.now() >= heldUntilMs) loseLease();
      });
    }, leaseMs / 3);
    try {
      const handler = handlers[job.kind];
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      // On SQLite every query resolves at once, so a batch of jobs would run to the end as one
      // chain of promise callbacks while webhooks wait unread; each job starts in a turn of the
      // event loop of its own instead (bench/README.md, acknowledgements under load).
      await new Promise((resolve) => setImmediate(resolve));
      await handler(job, context);
      // A handler that returns after its abort (lease lost, or released at shutdown) may not have
      // finished: the job is no longer ours to settle, as in the failure path below.
      if (signal.aborted || completed) return next;
      await complete(job.id);
    } catch (error) {
      if (signal.aborted) {
        // Lost or released: the job is no longer ours to settle.
        logger.warn({ jobId: job.id, kind: job.kind, reason: String(signal.reason) }, 'job run stopped');
        return next;
      }
      await settleFailure(job, error);
    } finally {
      clearInterval(renewal);
    }
    return next;
  }

  async function settleFailure(job: LeasedJob, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const retryable = isAppError(error) ? error.retryable : true;
    if (!retryable || job.attempts >= job.maxAttempts) {
      logger.error({ jobId: job.id, kind: job.kind, attempts: job.attempts, reason }, 'job dead');
      await buryJob(sql, job.id, id, reason);
      return;
    }
    const retryAfterMs = isAppError(error) ? error.retryAfterMs : undefined;
    const delay = retryDelayMs(backoff, job.attempts, retryAfterMs);
    logger.warn(
      { jobId: job.id, kind: job.kind, attempts: job.attempts, delay, reason },
      'job will be retried',
    );
    await rescheduleJob(sql, job.id, id, clock.now() + delay, reason);
  }

  /** Hands jobs this worker holds back to the queue; a failure leaves their leases to expire. */
  async function release(jobIds: string[]): Promise<number> {
    return releaseJobs(sql, jobIds, id, clock.now()).catch((error: unknown) => {
      logger.error({ err: error }, 'releasing leases at shutdown failed; they expire instead');
      return 0;
    });
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      const free = concurrency - running.size;
      if (free > 0 && (waiting || performance.now() >= pollAt)) {
        // Cleared before the claim: a wake while it runs sets it again.
        waiting = false;
        pollAt = performance.now() + pollMs;
        const lapsed = performance.now() >= lapsedAt;
        if (lapsed) lapsedAt = pollAt;
        try {
          const jobs = await leaseJobs(sql, {
            workerId: id,
            limit: free,
            nowMs: clock.now(),
            leaseMs,
            lapsed,
          });
          // A full batch: there may be more.
          if (jobs.length === free) waiting = true;
          for (const job of jobs) start(job);
        } catch (error) {
          logger.error({ err: error }, 'leasing jobs failed');
        }
        continue;
      }
      if (nudged) {
        nudged = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        // With every slot taken, only a freed slot (a nudge) can lead to a claim.
        const timer = free > 0 ? setTimeout(resolve, pollAt - performance.now()) : undefined;
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }

  /**
   * Several wakes in one turn of the event loop (a webhook batch stored, a job recorded
   * another) make one claim, not one each.
   */
  function wake(): void {
    waiting = true;
    if (wakePending) return;
    wakePending = true;
    setImmediate(() => {
      wakePending = false;
      nudge();
    });
  }

  const finished = loop();

  return {
    id,
    wake,
    async stop(drainMs = 10_000) {
      stopped = true;
      nudge();
      await finished;
      const drained = Promise.allSettled([...running.values()].map((entry) => entry.task));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainMs);
      });
      await Promise.race([drained, timedOut]);
      clearTimeout(timer);
      const unfinished = [...running.entries()];
      if (unfinished.length === 0) return;
      for (const [, entry] of unfinished) {
        entry.controller.abort(new AppError('SHUTTING_DOWN', 'the worker is shutting down'));
      }
      const released = await release(unfinished.map(([jobId]) => jobId));
      logger.warn({ released, unfinished: unfinished.length }, 'released the leases of unfinished jobs');
    },
  };
}
