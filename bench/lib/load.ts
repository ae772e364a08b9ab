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
 * `runLoad` against several servers at once (gateway processes sharing one database), the
 * connections split between them, and their results added up. Latency percentiles of two runs
 * do not combine: the slower server's are reported.
 */
export async function runLoadOnEach(urls: string[], options: Omit<LoadOptions, 'url'>): Promise<LoadResult> {
  const results = await Promise.all(
    urls.map((url, index) =>
      runLoad({
        ...options,
        url,
        connections:
          Math.floor(options.connections / urls.length) + (index < options.connections % urls.length ? 1 : 0),
      }),
    ),
  );
  if (results.length === 1) return results[0]!;
  const sum = (value: (result: LoadResult) => number) =>
    results.reduce((total, result) => total + value(result), 0);
  const slowest = (value: (result: LoadResult) => number) => Math.max(...results.map(value));
  return {
    durationSeconds: slowest((result) => result.durationSeconds),
    requestsPerSecond: sum((result) => result.requestsPerSecond),
    completed: sum((result) => result.completed),
    ok2xx: sum((result) => result.ok2xx),
    non2xx: sum((result) => result.non2xx),
    errors: sum((result) => result.errors),
    timeouts: sum((result) => result.timeouts),
    latencyMs: {
      average:
        sum((result) => result.latencyMs.average * result.completed) /
        Math.max(
          1,
          sum((result) => result.completed),
        ),
      p50: slowest((result) => result.latencyMs.p50),
      p99: slowest((result) => result.latencyMs.p99),
      max: slowest((result) => result.latencyMs.max),
    },
    unanswered: new Set(results.flatMap((result) => [...result.unanswered])),
    // The runs share this process and its CPU time: each measured all of it.
    loadGeneratorCores: slowest((result) => result.loadGeneratorCores),
  };
}
