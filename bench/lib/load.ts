import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
  /** The next request's body, headers of its own (a signature), and an id that names it in `onAnswer`. */
  nextRequest(): { id: number; body: string; headers?: Record<string, string> };
  /** Called with every answer and the id of the request it answers. */
  onAnswer?(id: number, status: number, body: string): void;
}

export interface LoadResult {
  durationSeconds: number;
  /** Mean of autocannon's per-second samples of completed requests. */
  requestsPerSecond: number;
  completed: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { average: number; p50: number; p99: number; max: number };
  /** Requests sent whose answer had not arrived when the run stopped. */
  unanswered: Set<number>;
  /** CPU the load generator (this process) used, in cores: what it took from the server. */
  loadGeneratorCores: number;
}

/**
 * Drives `options.url` with autocannon: `connections` keep-alive connections, one request
 * in flight on each (no pipelining), for `durationSeconds`. Every request gets a fresh body
 * from `nextRequest`, so a gateway sees a new update each time.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const unanswered = new Set<number>();
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    method: 'POST',
    headers: options.headers,
    requests: [
      {
        // With one request in flight per connection, the connection's context names the
        // request its next answer belongs to.
        setupRequest(request, context) {
          const { id, body, headers } = options.nextRequest();
          context.id = id;
          unanswered.add(id);
          return headers
            ? { ...request, body, headers: { ...options.headers, ...headers } }
            : { ...request, body };
        },
        onResponse(status, body, context) {
          const id = context.id as number;
          unanswered.delete(id);
          options.onAnswer?.(id, status, body);
        },
      },
    ],
  });
  const result = await instance;
  const cpu = process.cpuUsage(cpuBefore);
  const wallMicros = (performance.now() - wallBefore) * 1000;
  return {
    durationSeconds: result.duration,
    requestsPerSecond: result.requests.average,
    completed: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      average: result.latency.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    unanswered,
    loadGeneratorCores: (cpu.user + cpu.system) / wallMicros,
  };
}

/**
 * Loads run side by side (one per gateway process) as one: rates and counts add up; the
 * latency percentiles are the worst of the parts (an upper bound on the combined one), and
 * the average is weighted by completed requests.
 */
export function mergeLoads(parts: LoadResult[]): LoadResult {
  if (parts.length === 1) return parts[0]!;
  const sum = (value: (part: LoadResult) => number) => parts.reduce((total, part) => total + value(part), 0);
  const worst = (value: (part: LoadResult) => number) => Math.max(...parts.map(value));
  const completed = sum((part) => part.completed);
  return {
    durationSeconds: worst((part) => part.durationSeconds),
    requestsPerSecond: sum((part) => part.requestsPerSecond),
    completed,
    ok2xx: sum((part) => part.ok2xx),
    non2xx: sum((part) => part.non2xx),
    errors: sum((part) => part.errors),
    timeouts: sum((part) => part.timeouts),
    latencyMs: {
      average: sum((part) => part.latencyMs.average * part.completed) / Math.max(1, completed),
      p50: worst((part) => part.latencyMs.p50),
      p99: worst((part) => part.latencyMs.p99),
      max: worst((part) => part.latencyMs.max),
    },
    unanswered: new Set(parts.flatMap((part) => [...part.unanswered])),
    // Each part measured this whole process over the same time: the same share, not one each.
    loadGeneratorCores: worst((part) => part.loadGeneratorCores),
  };
}
