import type { Clock } from '../../core/clock.ts';
import type { LeasedJob } from '../../queue/jobs.ts';
import type { Db } from '../../store/index.ts';

export const RETENTION_JOB = 'retention';

/** Platform jobs belong to no tenant; no tenant id (a UUID or cuid) can take this value. */
export const PLATFORM_TENANT = 'platform';

/** How often the sweep runs. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Finished jobs are kept this long (for looking into what happened), dead letters longer. */
export const DONE_JOB_DAYS = 3;
export const DEAD_JOB_DAYS = 14;

export interface RetentionOutcome {
  messages: number;
  jobs: number;
}

/**
 * One sweep: for each tenant with `retentionDays`, deletes its messages created before that
 * many days ago (their edits and outbox rows go with them); and deletes jobs that finished
 * more than `DONE_JOB_DAYS` (done) or `DEAD_JOB_DAYS` (dead) ago. Contacts and
 * conversations stay until they are erased.
 */
export async function sweepRetention(db: Db, now: number): Promise<RetentionOutcome> {
  let messages = 0;
  const tenants = await db.tenant.findMany({
    where: { retentionDays: { not: null } },
    select: { id: true, retentionDays: true },
  });
  for (const tenant of tenants) {
    const before = new Date(now - tenant.retentionDays! * DAY_MS);
    messages += (await db.message.deleteMany({ where: { tenantId: tenant.id, createdAt: { lt: before } } }))
      .count;
  }
  const jobs = await db.job.deleteMany({
    where: {
      OR: [
        { status: 'done', updatedAt: { lt: new Date(now - DONE_JOB_DAYS * DAY_MS) } },
        { status: 'dead', updatedAt: { lt: new Date(now - DEAD_JOB_DAYS * DAY_MS) } },
      ],
    },
  });
  return { messages, jobs: jobs.count };
}

/**
 * Queues the sweep of the time slot that contains `now`, due at once. The job's id is the
 * slot, so every process (and a timer that fires twice) queues the same row, never a second.
 */
export async function queueRetention(db: Db, now: number, intervalMs = RETENTION_INTERVAL_MS): Promise<void> {
  const slot = Math.floor(now / intervalMs) * intervalMs;
  const id = `${RETENTION_JOB}:${slot}`;
  try {
    await db.job.upsert({
      where: { id },
      create: { id, tenantId: PLATFORM_TENANT, kind: RETENTION_JOB, payload: '{}', runAtMs: BigInt(now) },
      update: {},
    });
  } catch (error) {
    // Another process created the same slot between the upsert's read and its insert.
    if ((error as { code?: unknown }).code !== 'P2002') throw error;
  }
}

/**
 * Queues a sweep at every slot boundary (each hour on the clock) while the process runs
 * a worker. Aligning to the clock, not to the start, means restarts never postpone a
 * sweep, and all processes queue the same job; once queued, the job is durable and
 * retried like any other. Returns the function that stops the timer.
 */
export function startRetentionSchedule(options: {
  db: Db;
  clock: Clock;
  onError: (error: unknown) => void;
  intervalMs?: number;
}): () => void {
  const intervalMs = options.intervalMs ?? RETENTION_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const now = options.clock.now();
    const wait = intervalMs - (now % intervalMs);
    timer = setTimeout(() => {
      queueRetention(options.db, options.clock.now(), intervalMs).catch(options.onError).finally(arm);
    }, wait);
    timer.unref();
  };
  arm();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The job handler: one sweep. */
export function createRetentionHandler(options: { db: Db; clock: Clock }) {
  return async (_job: LeasedJob): Promise<void> => {
    await sweepRetention(options.db, options.clock.now());
  };
}
