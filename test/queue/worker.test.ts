/**
 * The worker loop on a real database: a run whose lease went to another worker is stopped,
 * and shutdown hands unfinished jobs to another worker at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { AppError } from '../../src/core/errors.ts';
import { enqueueJobs, leaseJobs } from '../../src/queue/jobs.ts';
import { type JobContext, startWorker, type Worker } from '../../src/queue/worker.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { eventually } from '../support/gateway.ts';

const silent = { warn() {}, error() {} };

describe('the worker', () => {
  let store: TestStore;
  const workers: Worker[] = [];

  beforeEach(async () => {
    store = await createTestStore();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop(0)));
    await store.dispose();
  });

  function start(handler: (context: JobContext) => Promise<void>, leaseMs: number): Worker {
    const worker = startWorker({
      db: store.db,
      dialect: store.dialect,
      clock: systemClock,
      logger: silent,
      concurrency: 2,
      leaseMs,
      pollMs: 20,
      handlers: { work: (_job, context) => handler(context) },
    });
    workers.push(worker);
    return worker;
  }

  const enqueue = () =>
    store.db.$transaction((tx) =>
      enqueueJobs(tx, [{ tenantId: 'tenant-1', kind: 'work', payload: {}, runAtMs: Date.now() }]),
    );
  const theJob = () => store.db.job.findFirstOrThrow({ where: { kind: 'work' } });
  const steal = () =>
    store.db.job.updateMany({
      where: { kind: 'work' },
      data: { lockedBy: 'another-worker', lockedUntilMs: BigInt(Date.now() + 60_000) },
    });

  it("completes a job in the handler's own transaction, fenced by its lease", async () => {
    const tenantId = 'tenant-1';
    let steals = false;
    const completions: boolean[] = [];
    start(async (context) => {
      if (steals) await steal();
      await store.db.$transaction(async (tx) => {
        await tx.auditLog.create({
          data: { tenantId, actor: 'test', action: steals ? 'stolen' : 'kept', target: 'job' },
        });
        completions.push(await context.completeIn!(sqlOf(store.db).within(tx)));
      });
    }, 60_000);
    await enqueue();
    await eventually(async () => (await theJob()).status === 'done', 10_000, 'the job to be done');
    expect(completions).toEqual([true]);
    expect(await store.db.auditLog.count({ where: { action: 'kept' } })).toBe(1);

    await store.db.job.deleteMany({});
    steals = true;
    await enqueue();
    await eventually(() => completions.length === 2, 10_000, 'the second run to try completing');
    // Not completed: the job is the other worker's. The handler's own write stands.
    expect(completions[1]).toBe(false);
    await eventually(
      async () => (await store.db.auditLog.count({ where: { action: 'stolen' } })) === 1,
      10_000,
      "the handler's transaction to commit",
    );
    expect(await theJob()).toMatchObject({ status: 'running', lockedBy: 'another-worker' });
  });

  it('refuses a side effect once another worker holds the job', async () => {
    let started = false;
    let release: () => void = () => {};
    const outcome = new Promise<unknown>((resolve) => {
      start(async (context) => {
        started = true;
        await new Promise<void>((resume) => {
          release = resume;
        });
        try {
          await context.confirmLease();
          resolve('confirmed');
        } catch (error) {
          resolve(error);
        }
      }, 60_000);
    });
    await enqueue();
    await eventually(() => started, 5_000, 'the job to start');
    await steal();
    release();
    const error = await outcome;
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('LEASE_LOST');
    // Nothing this worker does afterwards touches the job: it is the other worker's.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await theJob()).toMatchObject({ status: 'running', lockedBy: 'another-worker' });
  });

  it('aborts a running job when a lease renewal finds another owner', async () => {
    let signal: AbortSignal | undefined;
    start(async (context) => {
      signal = context.signal;
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
    }, 300);
    await enqueue();
    await eventually(() => signal, 5_000, 'the job to start');
    await steal();
    // Renewals run every third of the lease.
    await eventually(() => signal!.aborted, 2_000, 'the abort');
    expect((signal!.reason as AppError).code).toBe('LEASE_LOST');
    expect(await theJob()).toMatchObject({ status: 'running', lockedBy: 'another-worker' });
  });

  it('releases unfinished jobs at shutdown so another worker takes them at once', async () => {
    let signal: AbortSignal | undefined;
    const first = start(async (context) => {
      signal = context.signal;
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
    }, 60_000);
    await enqueue();
    await eventually(() => signal, 5_000, 'the job to start');
    const stopping = Date.now();
    await first.stop(200);
    expect(Date.now() - stopping).toBeLessThan(2_000);
    expect(signal!.aborted).toBe(true);
    // Queued again, unowned, and the interrupted run not counted as an attempt.
    expect(await theJob()).toMatchObject({ status: 'queued', lockedBy: null, attempts: 0 });
    // A minute-long lease would keep it from anyone else until it expired; released, it is free now.
    const [taken] = await leaseJobs(store.db, store.dialect, {
      workerId: 'second-worker',
      limit: 1,
      nowMs: Date.now(),
      leaseMs: 60_000,
    });
    expect(taken).toMatchObject({ kind: 'work', attempts: 1 });
  });

  it('lets jobs that finish within the drain time complete at shutdown', async () => {
    let started = false;
    const first = start(async () => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }, 60_000);
    await enqueue();
    await eventually(() => started, 5_000, 'the job to start');
    await first.stop(5_000);
    expect(await theJob()).toMatchObject({ status: 'done', attempts: 1 });
  });
});
