import {
  ANALYTICS_FORWARDING,
  type CollectorTarget,
  FORWARD_TIMEOUT_MS,
  sendToCollector,
} from '../analytics/forwarding.ts';
import type { OnWritten } from '../analytics/tracker.ts';
import type { Clock } from '../core/clock.ts';
import { enqueueJobs } from '../queue/jobs.ts';
import type { JobHandler } from '../queue/worker.ts';
import type { Db, DbTransaction } from '../store/index.ts';
import { isSqlSession, type SqlSession } from '../store/sql.ts';

export const ANALYTICS_FORWARD_JOB = 'analytics.forward';

interface ForwardPayload {
  eventId: string;
}

/**
 * How long this process trusts what it looked up about a tenant's forwarding: switching
 * forwarding on applies to events written at most this long afterwards. Without it, every
 * write would pay for one more query.
 */
const FORWARDING_LOOKUP_TTL_MS = 5_000;

/** The queue's default attempts (`enqueueJobs`), which forward jobs get. */
const FORWARD_MAX_ATTEMPTS = 8;

/**
 * The forwarding outbox: in the transaction that writes events, one job per event of a
 * tenant that forwards. A job per event keeps retries exact — a collector that failed on one
 * event never receives the others twice.
 */
export function enqueueForwarding(clock: Clock, ttlMs = FORWARDING_LOOKUP_TTL_MS): OnWritten {
  const known = new Map<string, { forwards: boolean; expiresAt: number }>();

  async function lookUp(tx: DbTransaction | SqlSession, tenantIds: string[], now: number): Promise<void> {
    const unknown = tenantIds.filter((tenantId) => (known.get(tenantId)?.expiresAt ?? 0) <= now);
    if (unknown.length === 0) return;
    const forwarding = isSqlSession(tx)
      ? await tx.all<{ tenantId: string }>(
          `SELECT "tenantId" FROM "connector_configs"
           WHERE "connectorId" = ? AND "tenantId" IN (${unknown.map(() => '?').join(', ')})`,
          [ANALYTICS_FORWARDING, ...unknown],
        )
      : await tx.connectorConfig.findMany({
          where: { tenantId: { in: unknown }, connectorId: ANALYTICS_FORWARDING },
          select: { tenantId: true },
        });
    const forwards = new Set(forwarding.map((row) => row.tenantId));
    if (known.size > 10_000) known.clear();
    for (const tenantId of unknown)
      known.set(tenantId, { forwards: forwards.has(tenantId), expiresAt: now + ttlMs });
  }

  return async (tx, rows) => {
    const now = clock.now();
    await lookUp(tx, [...new Set(rows.map((row) => row.tenantId))], now);
    const jobs = rows
      .filter((row) => known.get(row.tenantId)?.forwards)
      .map((row) => ({
        tenantId: row.tenantId,
        kind: ANALYTICS_FORWARD_JOB,
        payload: { eventId: row.id } satisfies ForwardPayload,
        runAtMs: now,
        maxAttempts: FORWARD_MAX_ATTEMPTS,
      }));
    await enqueueJobs(tx, jobs);
  };
}

/**
 * The forward job: sends one stored event to the tenant's collector. A failure the collector
 * may recover from (5xx, 429, timeout) is retried by the queue with backoff; a refusal is not.
 * Nothing is sent when forwarding was switched off after the event was written.
 */
export function createForwardHandler(dependencies: {
  db: Db;
  fetch: typeof fetch;
  loadTarget(tenantId: string): Promise<CollectorTarget | undefined>;
  timeoutMs?: number;
}): JobHandler {
  const { db, loadTarget } = dependencies;
  return async function forward(job) {
    const { eventId } = job.payload as ForwardPayload;
    const event = await db.analyticsEvent.findFirst({
      where: { id: eventId, tenantId: job.tenantId },
      select: { id: true, name: true, properties: true, occurredAt: true },
    });
    const target = event && (await loadTarget(job.tenantId));
    if (!event || !target) return;
    await sendToCollector(dependencies.fetch, target, event, dependencies.timeoutMs ?? FORWARD_TIMEOUT_MS);
  };
}
