import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { isAppError } from '../core/errors.ts';
import type { Db, Dialect } from '../store/index.ts';
import { type BackoffPolicy, defaultBackoff, retryDelayMs } from './backoff.ts';
import { buryJob, completeJob, type LeasedJob, leaseJobs, renewLease, rescheduleJob } from './jobs.ts';

/** Runs one kind of job. Throwing retries the job (if the error is retryable and attempts remain). */
export type JobHandler = (job: LeasedJob) => Promise<void>;

export interface WorkerLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WorkerOptions {
  db: Db;
  dialect: Dialect;
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
  /** Polls now instead of waiting: call after enqueueing in this process. */
  wake(): void;
  /** Stops claiming work and waits for running jobs to finish (or the timeout to pass). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * One worker loop per process. It claims jobs in batches up to its concurrency, renews
 * the leases of long-running jobs, and on failure either reschedules with backoff or,
 * after the last attempt, buries the job as dead.
 */
export function startWorker(options: WorkerOptions): Worker {
  const { db, dialect, handlers, clock, logger, concurrency } = options;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 500;
  const backoff = options.backoff ?? defaultBackoff;
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const running = new Set<Promise<void>>();
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let pollAgain = false;

  async function run(job: LeasedJob): Promise<void> {
    const renewal = setInterval(() => {
      renewLease(db, job.id, id, clock.now() + leaseMs).catch((error: unknown) =>
        logger.warn({ err: error, jobId: job.id }, 'lease renewal failed'),
      );
    }, leaseMs / 3);
    try {
      const handler = handlers[job.kind];
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      await handler(job);
      await completeJob(db, job.id, id);
    } catch (error) {
      await settleFailure(job, error);
    } finally {
      clearInterval(renewal);
    }
  }

  async function settleFailure(job: LeasedJob, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const retryable = isAppError(error) ? error.retryable : true;
    if (!retryable || job.attempts >= job.maxAttempts) {
      logger.error({ jobId: job.id, kind: job.kind, attempts: job.attempts, reason }, 'job dead');
      await buryJob(db, job.id, id, reason);
      return;
    }
    const retryAfterMs = isAppError(error) ? error.retryAfterMs : undefined;
    const delay = retryDelayMs(backoff, job.attempts, retryAfterMs);
    logger.warn(
      { jobId: job.id, kind: job.kind, attempts: job.attempts, delay, reason },
      'job will be retried',
    );
    await rescheduleJob(db, job.id, id, clock.now() + delay, reason);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      const free = concurrency - running.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const jobs = await leaseJobs(db, dialect, {
            workerId: id,
            limit: free,
            nowMs: clock.now(),
            leaseMs,
          });
          claimed = jobs.length;
          for (const job of jobs) {
            const task: Promise<void> = run(job)
              .catch((error: unknown) =>
                logger.error({ err: error, jobId: job.id }, 'job bookkeeping failed'),
              )
              .finally(() => {
                running.delete(task);
                wake();
              });
            running.add(task);
          }
        } catch (error) {
          logger.error({ err: error }, 'leasing jobs failed');
        }
      }
      // Claimed a full batch: there may be more. Otherwise sleep until woken or the poll interval passes.
      if (claimed > 0 && claimed === free) continue;
      if (pollAgain) {
        pollAgain = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }

  function wake(): void {
    if (wakeUp) wakeUp();
    else pollAgain = true;
  }

  const finished = loop();

  return {
    id,
    wake,
    async stop(timeoutMs = 10_000) {
      stopped = true;
      wake();
      await finished;
      const drained = Promise.allSettled([...running]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([drained, timedOut]);
      clearTimeout(timer);
    },
  };
}
