import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Db, DbTransaction } from '../store/index.ts';
import type { SqlSession } from '../store/sql.ts';
import { checkEvent, type EventCheck, type TrackedEvent } from './catalog.ts';
import { type EventRow, eventRow, insertEventRows } from './event-rows.ts';

/**
 * Called in the transaction that writes events, so follow-up work (forwarding) commits with
 * them: Prisma's, or a driver transaction's session (`trackInTransaction`'s).
 */
export type OnWritten = (tx: DbTransaction | SqlSession, rows: EventRow[]) => Promise<void>;

export interface TrackerLogger {
  warn(details: object, message: string): void;
}

export interface TrackerOptions {
  db: Db;
  clock: Clock;
  logger: TrackerLogger;
  /** Longest time a buffered event waits before it is written. */
  flushMs?: number;
  /** Events per write. */
  maxBatch?: number;
  /** Buffered events kept while the database is unreachable; more are dropped and counted. */
  maxBuffered?: number;
  onWritten?: OnWritten;
}

/** Counters since the tracker started. */
export interface TrackerStats {
  written: number;
  /** Events that failed the catalog and were not written. */
  invalid: number;
  /** Valid events dropped because the buffer was full or the tracker closed. */
  dropped: number;
  buffered: number;
}

export interface Tracker {
  /**
   * Buffers an event; it is written within `flushMs`, in a batch. Returns at once and never
   * throws: the event is checked when it is written, and an invalid one is dropped, counted
   * and logged without its content.
   */
  track(event: TrackedEvent): void;
  /**
   * Writes events with the caller's transaction, so they exist exactly when the change they
   * describe commits. Invalid events are dropped as in `track`, so a mistake in an event never
   * rolls back the caller's work; database errors propagate like any other write's.
   */
  trackInTransaction(tx: DbTransaction | SqlSession, events: TrackedEvent | TrackedEvent[]): Promise<void>;
  /**
   * Writes events and resolves once they are committed (for the HTTP collector, which
   * acknowledges only what is stored). Concurrent calls are committed together. Rejects with
   * VALIDATION_FAILED, writing nothing, when any event is invalid.
   */
  record(events: TrackedEvent[]): Promise<void>;
  /** Writes everything buffered so far. */
  flush(): Promise<void>;
  /** Writes everything buffered and stops buffering: later `track` calls are dropped. */
  close(): Promise<void>;
  stats(): TrackerStats;
}

/**
 * What waits in the buffer: a `record` call's checked rows, always written together, or one
 * `track` call's event, checked only when it is written so that the caller pays for a copy.
 */
type Pending =
  | { rows: EventRow[]; waiter?: { resolve(): void; reject(error: unknown): void } }
  | { tracked: TrackedEvent; trackedAt: number };

const sizeOf = (entry: Pending) => ('rows' in entry ? entry.rows.length : 1);

/** How long to wait before writing again after the database refused a batch. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * The analytics tracker: one per process. Events that describe a database change go through
 * `trackInTransaction`; everything else is buffered by `track` and written in batches, or
 * group-committed by `record` when the caller needs to know it is stored.
 */
export function createTracker(options: TrackerOptions): Tracker {
  const { db, clock, logger, onWritten } = options;
  const flushMs = options.flushMs ?? 250;
  const maxBatch = options.maxBatch ?? 500;
  const maxBuffered = options.maxBuffered ?? 50_000;
  const stats = { written: 0, invalid: 0, dropped: 0 };
  const buffer: Pending[] = [];
  let bufferedRows = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let flushScheduled = false;
  let closed = false;

  function rowOf(event: TrackedEvent, check: EventCheck & { ok: true }, trackedAt = clock.now()): EventRow {
    return eventRow(check.event, {
      tenantId: event.tenantId,
      source: event.source ?? 'gateway',
      occurredAt: event.occurredAt ?? new Date(trackedAt),
      createdAt: new Date(clock.now()),
    });
  }

  /**
   * The row of a valid event; an invalid one is counted and logged by name and problem paths
   * only. Tenant, time and source are checked too: a row the database would refuse would
   * otherwise fail its whole batch, again and again.
   */
  function validRow(event: TrackedEvent, trackedAt?: number): EventRow | undefined {
    const check = checkEvent(event);
    const problems = check.ok ? [] : [...check.problems];
    if (typeof event.tenantId !== 'string' || event.tenantId === '') problems.push('tenantId: missing');
    const { occurredAt, source } = event;
    if (occurredAt !== undefined && !(occurredAt instanceof Date && Number.isFinite(occurredAt.getTime())))
      problems.push('occurredAt: not a valid Date');
    if (source !== undefined && source !== 'gateway' && source !== 'collector')
      problems.push('source: unknown');
    if (check.ok && problems.length === 0) return rowOf(event, check, trackedAt);
    stats.invalid += 1;
    // The rejected values may be exactly what must not be stored, so they are not logged either.
    logger.warn({ event: String(event.event), problems }, 'analytics event dropped');
    return undefined;
  }

  async function write(rows: EventRow[]): Promise<void> {
    await db.$transaction(async (tx) => {
      await insertEventRows(tx, rows);
      await onWritten?.(tx, rows);
    });
    stats.written += rows.length;
  }

  /** Takes whole entries from the buffer, up to `maxBatch` rows (at least one entry). */
  function nextBatch(): Pending[] {
    let rows = 0;
    let count = 0;
    while (count < buffer.length && (count === 0 || rows + sizeOf(buffer[count]!) <= maxBatch)) {
      rows += sizeOf(buffer[count]!);
      count += 1;
    }
    bufferedRows -= rows;
    return buffer.splice(0, count);
  }

  async function drainBuffer(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    while (buffer.length > 0) {
      const batch = nextBatch().map((entry) => {
        if ('rows' in entry) return entry;
        const row = validRow(entry.tracked, entry.trackedAt);
        return { rows: row ? [row] : [] };
      });
      try {
        const rows = batch.flatMap((entry) => entry.rows);
        if (rows.length > 0) await write(rows);
        for (const entry of batch) entry.waiter?.resolve();
      } catch (error) {
        for (const entry of batch) entry.waiter?.reject(error);
        // Buffered events wait for the database to come back; callers of `record` were told.
        const retained = batch.filter((entry) => !entry.waiter && entry.rows.length > 0);
        buffer.unshift(...retained);
        bufferedRows += retained.length;
        logger.warn(
          { events: retained.length, error: (error as Error).name },
          'writing analytics events failed; will retry',
        );
        if (!closed) timer = setTimeout(flushInBackground, RETRY_AFTER_FAILURE_MS);
        return;
      }
    }
  }

  function startFlush(): Promise<void> {
    flushing ??= drainBuffer().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  /** For timers: a failure is logged, never left as an unhandled rejection that ends the process. */
  function flushInBackground(): void {
    startFlush().catch((error: unknown) =>
      logger.warn({ error: (error as Error).name }, 'writing analytics events failed'),
    );
  }

  // On the next turn rather than now: a drain that has just found the buffer empty may not
  // have reset `flushing` yet, and would strand what is added in between.
  function flushSoon(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      flushInBackground();
    });
  }

  function enqueue(entry: Pending): void {
    buffer.push(entry);
    bufferedRows += sizeOf(entry);
    if ('waiter' in entry || bufferedRows >= maxBatch) flushSoon();
    else timer ??= setTimeout(flushInBackground, flushMs);
  }

  return {
    track(event) {
      try {
        if (closed || bufferedRows >= maxBuffered) {
          stats.dropped += 1;
          return;
        }
        // A copy, so that the caller may reuse its objects; the properties are flat values.
        const tracked = { ...event, properties: { ...event.properties } } as TrackedEvent;
        enqueue({ tracked, trackedAt: clock.now() });
      } catch (error) {
        stats.dropped += 1;
        logger.warn({ error: (error as Error).name }, 'analytics event dropped');
      }
    },

    async trackInTransaction(tx, events) {
      const rows: EventRow[] = [];
      for (const event of Array.isArray(events) ? events : [events]) {
        const row = validRow(event);
        if (row) rows.push(row);
      }
      if (rows.length === 0) return;
      await insertEventRows(tx, rows);
      await onWritten?.(tx, rows);
      stats.written += rows.length;
    },

    async record(events) {
      const rows: EventRow[] = [];
      for (const [index, event] of events.entries()) {
        const check = checkEvent(event);
        if (!check.ok)
          throw new AppError('VALIDATION_FAILED', `invalid event ${index}: ${check.problems.join('; ')}`);
        rows.push(rowOf(event, check));
      }
      if (closed) throw new AppError('SHUTTING_DOWN', 'the gateway is shutting down; send the events again');
      // Group commit: requests that arrive in the same turn of the event loop share one write.
      await new Promise<void>((resolve, reject) => enqueue({ rows, waiter: { resolve, reject } }));
    },

    async flush() {
      while (buffer.length > 0 || flushing) {
        await startFlush();
        // The database refused a batch; the retry timer owns what is left.
        if (timer && buffer.length > 0) return;
      }
    },

    async close() {
      closed = true;
      while (buffer.length > 0 || flushing) {
        await startFlush();
        // The database refused the last batch: what remains is lost with this process.
        if (buffer.length > 0 && !flushing) {
          stats.dropped += bufferedRows;
          logger.warn({ events: bufferedRows }, 'analytics events lost at shutdown');
          buffer.length = 0;
          bufferedRows = 0;
        }
      }
      clearTimeout(timer);
    },

    stats() {
      return { ...stats, buffered: bufferedRows };
    },
  };
}
