/**
 * The collector over HTTP: autocannon against `POST /analytics/batch` (100 events a request)
 * and `POST /analytics/track` (one event) of a gateway in its own process, then a check that
 * the database holds what was acknowledged.
 */
import { createPostgresDatabase } from '../../test/support/database.ts';
import type { AnalyticsGatewayReady, AnalyticsGatewayReport } from '../servers/analytics-gateway.ts';
import { startServerChild } from './child.ts';
import { type LoadResult, runLoad } from './load.ts';

export interface CollectorBenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  logLevel: string;
}

export interface CollectorRun {
  scenario: string;
  connections: number;
  eventsPerRequest: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  latencyMs: LoadResult['latencyMs'];
  ok2xx: number;
  non2xx: number;
  errors: number;
}

export interface CollectorResults {
  database: string;
  runs: CollectorRun[];
  /** Events acknowledged with 2xx over all runs, warm-ups included. */
  acknowledgedEvents: number;
  /** Events the database holds afterwards: at least the acknowledged ones. */
  storedEvents: number;
  /** Events in requests still unanswered when a load stopped: stored or not, either is right. */
  cutOffEvents: number;
  passed: boolean;
}

export const BATCH_SIZE = 100;

const event = {
  event: 'integration_used_in_chat',
  properties: {
    chat_id: '0b7f6c2e-5d0a-4c8e-9a51-1f2d3c4b5a69',
    agent_id: '5f0c6a8e-2b1d-4e7f-9a3c-6d8e0f1a2b3c',
    provider: 'google',
    service: 'gmail',
    action_type: 'read_emails',
    success: true,
    items_processed: 3,
  },
};

export async function benchCollector(
  options: CollectorBenchOptions,
  postgresUrl?: string,
): Promise<CollectorResults> {
  const scratch = postgresUrl ? await createPostgresDatabase(postgresUrl) : undefined;
  try {
    return await measure(options, scratch?.url);
  } finally {
    await scratch?.drop();
  }
}

async function measure(options: CollectorBenchOptions, databaseUrl?: string): Promise<CollectorResults> {
  const server = await startServerChild<AnalyticsGatewayReady, AnalyticsGatewayReport>(
    new URL('../servers/analytics-gateway.ts', import.meta.url),
    { env: { BENCH_DATABASE_URL: databaseUrl ?? '', BENCH_LOG_LEVEL: options.logLevel } },
  );
  const { port, writeKey, dialect } = server.ready;
  const headers = { 'content-type': 'application/json', 'x-write-key': writeKey };
  let acknowledgedEvents = 0;
  let cutOffEvents = 0;
  const runs: CollectorRun[] = [];

  const scenarios = [
    {
      scenario: `POST /analytics/batch, ${BATCH_SIZE} events`,
      path: '/analytics/batch',
      connections: 10,
      size: BATCH_SIZE,
    },
    { scenario: 'POST /analytics/track, 1 event', path: '/analytics/track', connections: 50, size: 1 },
  ];
  for (const { scenario, path, connections, size } of scenarios) {
    const body = JSON.stringify(size === 1 ? event : { events: Array(size).fill(event) });
    let id = 0;
    const load = async (durationSeconds: number) => {
      const result = await runLoad({
        url: `http://127.0.0.1:${port}${path}`,
        connections,
        durationSeconds,
        headers,
        nextRequest: () => ({ id: id++, body }),
        onAnswer: (_id, status) => {
          if (status === 200) acknowledgedEvents += size;
        },
      });
      cutOffEvents += result.unanswered.size * size;
      return result;
    };
    if (options.warmupSeconds > 0) await load(options.warmupSeconds);
    const result = await load(options.durationSeconds);
    runs.push({
      scenario,
      connections,
      eventsPerRequest: size,
      requestsPerSecond: result.requestsPerSecond,
      eventsPerSecond: result.requestsPerSecond * size,
      latencyMs: result.latencyMs,
      ok2xx: result.ok2xx,
      non2xx: result.non2xx,
      errors: result.errors,
    });
  }
  const { storedEvents } = await server.finish();
  const clean = runs.every((run) => run.non2xx === 0 && run.errors === 0);
  return {
    database: dialect === 'postgresql' ? 'PostgreSQL' : 'SQLite',
    runs,
    acknowledgedEvents,
    storedEvents,
    cutOffEvents,
    passed: clean && storedEvents >= acknowledgedEvents && storedEvents <= acknowledgedEvents + cutOffEvents,
  };
}
