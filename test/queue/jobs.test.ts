import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/queue/backoff.ts';
import { completeJobs, enqueueJobs, leaseJobs, renewLease } from '../../src/queue/jobs.ts';
import { openStore } from '../../src/store/index.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { createTestStore, type TestStore } from '../support/database.ts';

describe('retry delays', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };

  it('grow exponentially, with jitter between half and all of the ceiling', () => {
    expect(retryDelayMs(policy, 1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(policy, 1, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(policy, 4, undefined, () => 1)).toBe(8_000);
    expect(retryDelayMs(policy, 4, undefined, () => 0)).toBe(4_000);
  });

  it('never exceed the cap', () => {
    expect(retryDelayMs(policy, 30, undefined, () => 1)).toBe(60_000);
  });

  it("never come sooner than the provider's retry_after", () => {
    expect(retryDelayMs(policy, 1, 7_000, () => 0)).toBe(7_000);
    expect(retryDelayMs(policy, 6, 7_000, () => 1)).toBe(32_000);
  });
});

describe('job leasing', () => {
  let store: TestStore;
  const tenantId = 'tenant-1';

  beforeEach(async () => {
    store = await createTestStore();
  });
  afterEach(async () => {
    await store.dispose();
  });

  const lease = (workerId: string, nowMs: number, limit = 10) =>
    leaseJobs(sqlOf(store.db), { workerId, limit, nowMs, leaseMs: 1_000 });

  it('claims due jobs only, oldest first, and counts the attempt', async () => {
    await store.db.$transaction((tx) =>
      enqueueJobs(tx, [
        { tenantId, kind: 'later', payload: { n: 3 }, runAtMs: 5_000 },
        { tenantId, kind: 'second', payload: { n: 2 }, runAtMs: 200 },
        { tenantId, kind: 'first', payload: { n: 1 }, runAtMs: 100 },
      ]),
    );
    const claimed = await lease('worker-a', 1_000);
    expect(claimed.map((job) => job.kind)).toEqual(['first', 'second']);
    expect(claimed[0]).toMatchObject({ payload: { n: 1 }, attempts: 1, maxAttempts: 8, tenantId });
    expect(await lease('worker-b', 1_000)).toEqual([]);
  });

  it('hands a job whose lease expired to another worker, and the old worker can no longer finish it', async () => {
    await store.db.$transaction((tx) => enqueueJobs(tx, [{ tenantId, kind: 'k', payload: {}, runAtMs: 0 }]));
    const [job] = await lease('worker-a', 1_000);
    expect(await lease('worker-b', 1_500)).toEqual([]);
    const [retaken] = await lease('worker-b', 2_001);
    expect(retaken).toMatchObject({ id: job!.id, attempts: 2 });
    expect(await renewLease(sqlOf(store.db), job!.id, 'worker-a', 10_000)).toBe(false);
    expect(await completeJobs(sqlOf(store.db), [job!.id], 'worker-a')).toBe(0);
    expect((await store.db.job.findUniqueOrThrow({ where: { id: job!.id } })).status).toBe('running');
    expect(await completeJobs(sqlOf(store.db), [job!.id], 'worker-b')).toBe(1);
    expect((await store.db.job.findUniqueOrThrow({ where: { id: job!.id } })).status).toBe('done');
  });

  it('looks for lapsed leases only when asked, and claims due jobs either way', async () => {
    await store.db.$transaction((tx) => enqueueJobs(tx, [{ tenantId, kind: 'k', payload: {}, runAtMs: 0 }]));
    const [job] = await lease('worker-a', 1_000);
    await store.db.$transaction((tx) =>
      enqueueJobs(tx, [{ tenantId, kind: 'due', payload: {}, runAtMs: 0 }]),
    );
    const dueOnly = await leaseJobs(sqlOf(store.db), {
      workerId: 'worker-b',
      limit: 10,
      nowMs: 2_001,
      leaseMs: 1_000,
      lapsed: false,
    });
    expect(dueOnly.map((taken) => taken.kind)).toEqual(['due']);
    const [retaken] = await lease('worker-b', 2_002);
    expect(retaken).toMatchObject({ id: job!.id, attempts: 2 });
  });

  it('completes a batch in one call, except the jobs whose lease went to another worker', async () => {
    await store.db.$transaction((tx) =>
      enqueueJobs(tx, [
        { tenantId, kind: 'a', payload: {}, runAtMs: 0 },
        { tenantId, kind: 'b', payload: {}, runAtMs: 0 },
        { tenantId, kind: 'c', payload: {}, runAtMs: 0 },
      ]),
    );
    const held = await lease('worker-a', 1_000);
    expect(held).toHaveLength(3);
    // One of them expires and worker-b takes it over; worker-a still renews the other two.
    for (const job of held.slice(0, 2))
      expect(await renewLease(sqlOf(store.db), job.id, 'worker-a', 10_000)).toBe(true);
    const [taken] = await lease('worker-b', 2_001);
    expect(taken!.id).toBe(held[2]!.id);
    expect(
      await completeJobs(
        sqlOf(store.db),
        held.map((job) => job.id),
        'worker-a',
      ),
    ).toBe(2);
    const statuses = await store.db.job.findMany({
      where: { tenantId },
      select: { id: true, status: true, lockedBy: true },
    });
    const byId = new Map(statuses.map((row) => [row.id, row]));
    expect(held.slice(0, 2).map((job) => byId.get(job.id)!.status)).toEqual(['done', 'done']);
    expect(byId.get(held[2]!.id)).toMatchObject({ status: 'running', lockedBy: 'worker-b' });
  });

  it('a renewed lease keeps the job away from other workers', async () => {
    await store.db.$transaction((tx) => enqueueJobs(tx, [{ tenantId, kind: 'k', payload: {}, runAtMs: 0 }]));
    const [job] = await lease('worker-a', 1_000);
    expect(await renewLease(sqlOf(store.db), job!.id, 'worker-a', 5_000)).toBe(true);
    expect(await lease('worker-b', 4_000)).toEqual([]);
  });

  it('never gives a worker back a job it holds itself, even with its lease lapsed', async () => {
    await store.db.$transaction((tx) => enqueueJobs(tx, [{ tenantId, kind: 'k', payload: {}, runAtMs: 0 }]));
    const [job] = await lease('worker-a', 1_000);
    // Its lease (1 s) has lapsed: the run may still be going on in worker-a, which renews it.
    expect(await lease('worker-a', 5_000)).toEqual([]);
    expect(await renewLease(sqlOf(store.db), job!.id, 'worker-a', 10_000)).toBe(true);
    // Another worker does take over a lapsed lease.
    const [taken] = await lease('worker-b', 20_000);
    expect(taken).toMatchObject({ id: job!.id, attempts: 2 });
  });

  it('writes a job already leased, claimable by others only once that lease expires', async () => {
    await sqlOf(store.db).transaction((tx) =>
      enqueueJobs(tx, [
        { tenantId, kind: 'k', payload: {}, runAtMs: 0, leasedBy: { workerId: 'worker-a', untilMs: 3_000 } },
      ]),
    );
    expect(await store.db.job.findFirstOrThrow()).toMatchObject({
      status: 'running',
      lockedBy: 'worker-a',
      attempts: 1,
    });
    expect(await lease('worker-b', 2_000)).toEqual([]);
    // worker-a died without finishing it: another worker claims it once the lease has expired.
    const [taken] = await lease('worker-b', 4_000);
    expect(taken).toMatchObject({ kind: 'k', attempts: 2 });
  });

  // Each claimer has its own store, as separate processes would: on PostgreSQL several
  // connections race in the database itself (FOR UPDATE SKIP LOCKED); on SQLite they
  // contend for the file's one writer.
  it('never gives one job to two concurrent claimers on separate connections', async () => {
    const claimers = await Promise.all(
      Array.from({ length: 6 }, () => openStore({ databaseUrl: store.url, dataDir: tmpdir() })),
    );
    try {
      for (let round = 0; round < 3; round += 1) {
        await store.db.$transaction((tx) =>
          enqueueJobs(
            tx,
            Array.from({ length: 60 }, (_, index) => ({
              tenantId,
              kind: 'k',
              payload: { index },
              runAtMs: 0,
            })),
          ),
        );
        const batches = await Promise.all(
          claimers.map((claimer, index) =>
            leaseJobs(sqlOf(claimer.db), {
              workerId: `worker-${index}`,
              limit: 15,
              nowMs: 1_000 + round,
              leaseMs: 1_000_000,
            }),
          ),
        );
        const ids = batches.flat().map((job) => job.id);
        expect(ids).toHaveLength(60);
        expect(new Set(ids).size).toBe(60);
        // The database agrees: each job is held by the one claimer that got it.
        const owners = new Map(
          batches.flatMap((batch, index) => batch.map((job) => [job.id, `worker-${index}`])),
        );
        const rows = await store.db.job.findMany({
          where: { id: { in: ids } },
          select: { id: true, lockedBy: true },
        });
        for (const row of rows) expect(row.lockedBy).toBe(owners.get(row.id));
      }
    } finally {
      await Promise.all(claimers.map((claimer) => claimer.close()));
    }
  });
});
