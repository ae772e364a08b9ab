import type { LoadResult } from './load.ts';

/** One row of the results table. */
export interface Measurement {
  scenario: string;
  /** What the scenario measures, in a sentence. */
  description: string;
  unit: 'req/s' | 'rows/s';
  /** Requests per second (mean of per-second samples) or rows per second (total / time). */
  rate: number;
  durationSeconds: number;
  /** Messages each request carries (WhatsApp batches), when more than one: the table adds messages/s. */
  messagesPerRequest?: number;
  latencyMs?: LoadResult['latencyMs'];
  ok2xx?: number;
  non2xx?: number;
  errors?: number;
  timeouts?: number;
  /** CPU cores the load generator used meanwhile, on the same machine as the server. */
  loadGeneratorCores?: number;
  /**
   * The server process's user + system CPU time per answered request, in µs (from /proc, 10 ms
   * ticks): the figure a busy machine distorts least.
   */
  serverCpuUsPerRequest?: number;
}

export function measurementOf(
  scenario: string,
  description: string,
  load: LoadResult & { serverCpuMs?: number },
): Measurement {
  const answered = load.ok2xx + load.non2xx;
  return {
    scenario,
    description,
    unit: 'req/s',
    rate: load.requestsPerSecond,
    durationSeconds: load.durationSeconds,
    latencyMs: load.latencyMs,
    ok2xx: load.ok2xx,
    non2xx: load.non2xx,
    errors: load.errors,
    timeouts: load.timeouts,
    loadGeneratorCores: load.loadGeneratorCores,
    ...(load.serverCpuMs !== undefined && answered > 0
      ? { serverCpuUsPerRequest: (load.serverCpuMs * 1000) / answered }
      : {}),
  };
}
