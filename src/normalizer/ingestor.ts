import { AppError } from '../core/errors.ts';
import type { Db } from '../store/index.ts';
import { type IngestItem, type IngestOutcome, ingestBatch, type JobFor, type OnStored } from './ingest.ts';

export interface Ingestor {
  /** Resolves once the item is committed; a webhook acknowledges only after that. */
  ingest(item: IngestItem): Promise<IngestOutcome>;
  /** Waits for queued items to be committed. */
  drain(): Promise<void>;
}

const SINGLE_ITEM_ATTEMPTS = 3;

/** What a refused delivery is told: come back after this long (every provider retries). */
export const OVERLOADED_RETRY_AFTER_MS = 5_000;

interface Waiting {
  item: IngestItem;
  resolve: (outcome: IngestOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for webhook traffic: deliveries that arrive while a transaction is being
 * written wait and are written together in the next one. Under load this turns hundreds
 * of small transactions into a few large ones; when idle a delivery is written at once.
 * A batch that fails is retried one item at a time, so a bad delivery never takes the
 * good ones beside it down, and a unique-key race with another process (PostgreSQL) is
 * resolved by the retry seeing the other process's row.
 *
 * At most `maxPending` deliveries wait or are being written at once (memory, and the time
 * a provider waits for its answer, stay bounded when the database falls behind). One more
 * is refused at once with AppError('OVERLOADED'), before anything of it is stored: the
 * provider retries it later. A delivery that was taken is answered only once committed.
 */
export function createIngestor(options: {
  db: Db;
  onStored: OnStored;
  /** The job queued with each stored message (`ingestBatch`). */
  jobFor?: JobFor;
  maxBatch?: number;
  maxPending?: number;
}): Ingestor {
  const { db, onStored, jobFor } = options;
  const maxBatch = options.maxBatch ?? 200;
  const maxPending = options.maxPending ?? Number.POSITIVE_INFINITY;
  const waiting: Waiting[] = [];
  let pending = 0;
  let flushing: Promise<void> | undefined;

  // A conflict with another process (a unique key both inserted, a deadlock between two
  // batches) clears once the other transaction ends, so the item is tried a few times.
  async function writeAlone(entry: Waiting): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const [outcome] = await ingestBatch(db, [entry.item], onStored, jobFor);
        entry.resolve(outcome!);
        return;
      } catch (error) {
        if (attempt >= SINGLE_ITEM_ATTEMPTS) {
          entry.reject(error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    }
  }

  async function flush(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      try {
        const outcomes = await ingestBatch(
          db,
          batch.map((entry) => entry.item),
          onStored,
          jobFor,
        );
        for (const [index, entry] of batch.entries()) entry.resolve(outcomes[index]!);
      } catch {
        for (const entry of batch) await writeAlone(entry);
      }
    }
    flushing = undefined;
  }

  return {
    ingest(item) {
      if (pending >= maxPending) {
        return Promise.reject(
          new AppError('OVERLOADED', 'too many deliveries are waiting to be stored; retry later', {
            retryAfterMs: OVERLOADED_RETRY_AFTER_MS,
          }),
        );
      }
      pending += 1;
      const settled = new Promise<IngestOutcome>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        flushing ??= new Promise<void>((started) => setImmediate(started)).then(flush);
      });
      return settled.finally(() => {
        pending -= 1;
      });
    },
    async drain() {
      while (flushing) await flushing;
    },
  };
}
