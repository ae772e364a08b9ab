/**
 * In-process measurements of the analytics tracker on a real database: what one `track` call
 * costs its caller next to an empty function call, how many buffered events per second it
 * writes, and what `trackInTransaction` adds to a transaction.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TrackedEvent } from '../../src/analytics/catalog.ts';
import { createTracker, type Tracker } from '../../src/analytics/tracker.ts';
import { systemClock } from '../../src/core/clock.ts';
import { enqueueForwarding } from '../../src/server/analytics-forward-job.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createPostgresDatabase } from '../../test/support/database.ts';

export interface TrackerBenchOptions {
  /** Events tracked for the buffered measurements. */
  events: number;
  /** Transactions per in-transaction measurement. */
  transactions: number;
}

export interface TrackerResults {
  database: string;
  /** Nanoseconds per call of a function that only stores its argument. */
  emptyCallNs: number;
  /** Nanoseconds per `track` call, as its caller waits for it. */
  trackCallNs: number;
  /** Events per second from the first `track` until all are committed. */
  trackEventsPerSecond: number;
  trackDropped: number;
  /** Transactions per second that write a tool-call stand-in row, without and with its event. */
  transactionBaselinePerSecond: number;
  transactionWithEventPerSecond: number;
  /** 50 events in one transaction, as a group-committed ingest batch writes message_received. */
  batchOf50Ms: number;
  batchEventsPerSecond: number;
  storedEvents: number;
}

const TENANT = 'bench-tenant';

function events(count: number): TrackedEvent[] {
  const agent = randomUUID();
  return Array.from({ length: count }, () => ({
    event: 'integration_used_in_chat',
    tenantId: TENANT,
    properties: {
      chat_id: randomUUID(),
      agent_id: agent,
      provider: 'google',
      service: 'gmail',
      action_type: 'read_emails',
      success: true,
      items_processed: 3,
    },
  }));
}

const nanoseconds = (since: bigint) => Number(process.hrtime.bigint() - since);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Nanoseconds per call of `call`, in chunks of 1,000 with a turn of the event loop between. */
async function perCall(call: (event: TrackedEvent) => void, sample: TrackedEvent[], calls: number) {
  let spent = 0;
  for (let done = 0; done < calls; done += 1_000) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < 1_000; index += 1) call(sample[(done + index) % sample.length]!);
    spent += nanoseconds(started);
    await nextTurn();
  }
  return spent / calls;
}

let sink: TrackedEvent | undefined;
function emptyCall(event: TrackedEvent): void {
  sink = event;
}

async function measure(
  store: Store,
  options: TrackerBenchOptions,
  database: string,
): Promise<TrackerResults> {
  const { db } = store;
  const logger = { warn: () => {} };
  // As the gateway wires it: every write also looks up whether the tenant forwards.
  const tracker: Tracker = createTracker({
    db,
    clock: systemClock,
    logger,
    onWritten: enqueueForwarding(systemClock),
  });
  const sample = events(1_000);

  // Warm both paths up first, so that the JIT has compiled them.
  await perCall(emptyCall, sample, 20_000);
  await perCall((event) => tracker.track(event), sample, 20_000);
  await tracker.flush();
  const emptyCallNs = await perCall(emptyCall, sample, options.events);
  if (sink === undefined) throw new Error('the baseline did not run');
  await db.analyticsEvent.deleteMany({});

  // The caller's cost and the sustained rate in one run. The producer backs off while
  // 10 batches are waiting, as a real caller's pace is bounded by the work it does.
  const startedAt = process.hrtime.bigint();
  let spent = 0;
  for (let done = 0; done < options.events; done += 1_000) {
    while (tracker.stats().buffered > 5_000) await pause(1);
    const started = process.hrtime.bigint();
    for (let index = 0; index < 1_000; index += 1) tracker.track(sample[(done + index) % sample.length]!);
    spent += nanoseconds(started);
    await nextTurn();
  }
  await tracker.flush();
  const trackSeconds = nanoseconds(startedAt) / 1e9;

  const toolCall = (tx: Parameters<Parameters<typeof db.$transaction>[0]>[0]) =>
    tx.auditLog.create({
      data: { tenantId: null, actor: 'bench', action: 'tool.called', target: 'gmail', details: '{}' },
    });
  const perSecond = async (work: () => Promise<unknown>, count: number) => {
    const started = process.hrtime.bigint();
    for (let index = 0; index < count; index += 1) await work();
    return count / (nanoseconds(started) / 1e9);
  };
  let next = 0;
  const withEvent = () =>
    db.$transaction(async (tx) => {
      await toolCall(tx);
      await tracker.trackInTransaction(tx, sample[next++ % sample.length]!);
    });
  const withoutEvent = () => db.$transaction(async (tx) => void (await toolCall(tx)));
  await perSecond(withEvent, 100);
  await perSecond(withoutEvent, 100);
  // Alternating rounds, so that drift in the machine's load or the database's state (WAL
  // growth, checkpoints) falls on both sides alike.
  const rounds = 4;
  const seconds = { without: 0, with: 0 };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const);
    for (const side of order) {
      const count = options.transactions / rounds;
      seconds[side] += count / (await perSecond(side === 'with' ? withEvent : withoutEvent, count));
    }
  }
  const transactionBaselinePerSecond = options.transactions / seconds.without;
  const transactionWithEventPerSecond = options.transactions / seconds.with;

  const batches = Math.max(10, Math.round(options.transactions / 10));
  const batchesPerSecond = await perSecond(
    () => db.$transaction((tx) => tracker.trackInTransaction(tx, sample.slice(0, 50))),
    batches,
  );
  await tracker.close();
  return {
    database,
    emptyCallNs,
    trackCallNs: spent / options.events,
    trackEventsPerSecond: options.events / trackSeconds,
    trackDropped: tracker.stats().dropped,
    transactionBaselinePerSecond,
    transactionWithEventPerSecond,
    batchOf50Ms: 1_000 / batchesPerSecond,
    batchEventsPerSecond: batchesPerSecond * 50,
    storedEvents: await db.analyticsEvent.count({ where: { tenantId: TENANT } }),
  };
}

/** Runs the measurements on a fresh SQLite file, or on a scratch database of the PostgreSQL server. */
export async function benchTracker(
  options: TrackerBenchOptions,
  postgresUrl?: string,
): Promise<TrackerResults> {
  const scratch = postgresUrl ? await createPostgresDatabase(postgresUrl) : undefined;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-tracker-'));
  const store = await openStore({ databaseUrl: scratch?.url, dataDir });
  try {
    return await measure(store, options, scratch ? 'PostgreSQL' : 'SQLite');
  } finally {
    await store.close();
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
