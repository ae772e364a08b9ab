/**
 * Prometheus metrics for one app: its own registry (never prom-client's global one, so two apps
 * in one process, as in tests, count apart), the default process metrics, and the gateway's
 * own series. Counters are fed by listeners that `app.ts` composes into the pipeline; gauges
 * (queue, database) are read from the database when scraped. No label carries a tenant,
 * a contact or message content: channels, job kinds, tool names and outcomes only.
 */
import type { FastifyInstance } from 'fastify';
import type { TenantTokenUsage } from '../agent/tenant-agent.ts';
import type { Agent } from '../agent/types.ts';
import type { Clock } from '../core/clock.ts';
import type { DispatcherDependencies } from '../dispatcher/deliver.ts';
import type { Store } from '../store/index.ts';

// Webhooks answer within milliseconds; the top buckets catch a slow database.
const INGEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// An agent turn is a model call or two and the tools between them.
const TURN_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40];
// Jobs that are still waiting to run: done ones are history and may be millions of rows.
const OPEN_JOB_STATUSES = ['queued', 'running', 'dead'];

type OnOutcome = NonNullable<DispatcherDependencies['onOutcome']>;
type OnDeadLettered = NonNullable<DispatcherDependencies['onDeadLettered']>;

export interface Metrics {
  /** The media type of `scrape()`'s text. */
  contentType: string;
  /** The text exposition of every metric, with the gauges read from the database now. */
  scrape(): Promise<string>;
  /** Counts webhook requests by channel and outcome and times them (a Fastify onResponse hook). */
  observeWebhooks(app: FastifyInstance): void;
  /** `onOutcome` that counts each delivery outcome, then calls `next`. */
  countDeliveries(next?: OnOutcome): OnOutcome;
  /** `onDeadLettered` that counts dead-lettered replies, then calls `next`. */
  countDeadLetters(next?: OnDeadLettered): OnDeadLettered;
  /** The agent, timed per turn, with its tool calls counted by tool and outcome. */
  instrumentAgent(agent: Agent): Agent;
  /** The tenant agent's `onUsage`: counts a completion's tokens by model, then calls `next`. */
  countTokens(next?: (usage: TenantTokenUsage) => void): (usage: TenantTokenUsage) => void;
}

/** A webhook answer's outcome: stored, refused by verification, bad input, or our failure. */
function webhookOutcome(status: number): string {
  if (status < 300) return 'accepted';
  if (status === 401 || status === 403) return 'rejected';
  if (status < 500) return 'invalid';
  return 'failed';
}

/**
 * The metrics of an app whose `/metrics` is off: nobody can read them, so nothing is counted
 * and prom-client is not loaded (about 40 ms of start-up CPU; its default process metrics
 * would also run an event-loop delay monitor, a timer every 10 ms, and observe every garbage
 * collection). The listeners still call `next`.
 */
function uncounted(): Metrics {
  return {
    contentType: 'text/plain',
    scrape: async () => '',
    observeWebhooks: () => undefined,
    countDeliveries: (next) => async (tx, outcome) => {
      await next?.(tx, outcome);
    },
    countDeadLetters: (next) => async (reply) => {
      await next?.(reply);
    },
    countTokens: (next) => (usage) => next?.(usage),
    instrumentAgent: (agent) => agent,
  };
}

/** The app's metrics: counted only when `served` (`/metrics` is on), see `uncounted`. */
export async function createMetrics(options: {
  store: Store;
  clock: Clock;
  served: boolean;
}): Promise<Metrics> {
  if (!options.served) return uncounted();
  const { store, clock } = options;
  const { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const webhooks = new Counter({
    name: 'switchboard_webhook_requests_total',
    help: 'Webhook requests by channel and outcome (accepted, rejected, invalid, failed).',
    labelNames: ['channel', 'outcome'],
    registers,
  });
  const ingestSeconds = new Histogram({
    name: 'switchboard_webhook_ingest_seconds',
    help: 'Time from a webhook request to its answer (verify, store, acknowledge).',
    labelNames: ['channel'],
    buckets: INGEST_BUCKETS,
    registers,
  });
  const jobs = new Gauge({
    name: 'switchboard_jobs',
    help: 'Jobs by kind and status (queued, running, dead).',
    labelNames: ['kind', 'status'],
    registers,
  });
  const oldestJobAge = new Gauge({
    name: 'switchboard_job_oldest_due_age_seconds',
    help: 'Age of the oldest queued job that is due to run, by kind (0 when none waits).',
    labelNames: ['kind'],
    registers,
  });
  const deliveries = new Counter({
    name: 'switchboard_deliveries_total',
    help: 'Reply pieces by channel and final outcome (sent, dead, suppressed).',
    labelNames: ['channel', 'outcome'],
    registers,
  });
  const deadLetters = new Counter({
    name: 'switchboard_dead_letters_total',
    help: 'Replies dead-lettered (staff are told), by channel and error code.',
    labelNames: ['channel', 'error'],
    registers,
  });
  const turnSeconds = new Histogram({
    name: 'switchboard_agent_turn_seconds',
    help: 'Agent turn time, by outcome (replied, failed).',
    labelNames: ['outcome'],
    buckets: TURN_BUCKETS,
    registers,
  });
  const toolCalls = new Counter({
    name: 'switchboard_tool_calls_total',
    help: 'Tool calls by tool and outcome (success, or the error type).',
    labelNames: ['tool', 'outcome'],
    registers,
  });
  const tokens = new Counter({
    name: 'switchboard_model_tokens_total',
    help: 'Model tokens by model and kind (prompt, completion).',
    labelNames: ['model', 'kind'],
    registers,
  });
  const poolConnections = new Gauge({
    name: 'switchboard_database_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle, waiting: queries waiting for one).',
    labelNames: ['state'],
    registers,
  });
  const fileBytes = new Gauge({
    name: 'switchboard_database_file_bytes',
    help: 'SQLite database and write-ahead log sizes.',
    labelNames: ['file'],
    registers,
  });

  async function readQueue(): Promise<void> {
    const [byStatus, due] = await Promise.all([
      store.db.job.groupBy({
        by: ['kind', 'status'],
        where: { status: { in: OPEN_JOB_STATUSES } },
        _count: { _all: true },
      }),
      store.db.job.groupBy({
        by: ['kind'],
        where: { status: 'queued', runAtMs: { lte: BigInt(clock.now()) } },
        _min: { runAtMs: true },
      }),
    ]);
    // Reset first: a kind whose jobs all finished must read 0, not its last value.
    jobs.reset();
    oldestJobAge.reset();
    for (const row of byStatus) jobs.set({ kind: row.kind, status: row.status }, row._count._all);
    for (const row of byStatus) if (row.status === 'queued') oldestJobAge.set({ kind: row.kind }, 0);
    for (const row of due) {
      const oldest = row._min.runAtMs;
      if (oldest !== null)
        oldestJobAge.set({ kind: row.kind }, Math.max(0, clock.now() - Number(oldest)) / 1000);
    }
  }

  async function readDatabase(): Promise<void> {
    const state = await store.state?.();
    if (state?.pool)
      for (const [name, value] of Object.entries(state.pool)) poolConnections.set({ state: name }, value);
    if (state?.files)
      for (const [name, value] of Object.entries(state.files)) fileBytes.set({ file: name }, value);
  }

  return {
    contentType: registry.contentType,
    async scrape() {
      await Promise.all([readQueue(), readDatabase()]);
      return registry.metrics();
    },
    observeWebhooks(app) {
      app.addHook('onResponse', async (request, reply) => {
        const route = request.routeOptions.url;
        if (request.method !== 'POST' || !route?.startsWith('/webhook/')) return;
        // The catch-all route's channel is whatever the caller typed: one label for all of them.
        const segment = route.split('/')[2] ?? '';
        const channel = segment.startsWith(':') ? 'unknown' : segment;
        webhooks.inc({ channel, outcome: webhookOutcome(reply.statusCode) });
        ingestSeconds.observe({ channel }, reply.elapsedTime / 1000);
      });
    },
    countDeliveries(next) {
      return async (tx, outcome) => {
        await next?.(tx, outcome);
        deliveries.inc({ channel: outcome.channel, outcome: outcome.outcome });
      };
    },
    countDeadLetters(next) {
      return async (reply) => {
        deadLetters.inc({ channel: reply.channel, error: reply.errorCode });
        await next?.(reply);
      };
    },
    countTokens(next) {
      return (usage) => {
        tokens.inc({ model: usage.model, kind: 'prompt' }, usage.promptTokens);
        tokens.inc({ model: usage.model, kind: 'completion' }, usage.completionTokens);
        next?.(usage);
      };
    },
    instrumentAgent(agent) {
      return {
        async reply(input) {
          const stop = turnSeconds.startTimer();
          try {
            const reply = await agent.reply(input);
            stop({ outcome: 'replied' });
            for (const call of reply.toolCalls) {
              toolCalls.inc({
                tool: call.tool,
                outcome: call.success ? 'success' : (call.errorType ?? 'failure'),
              });
            }
            return reply;
          } catch (error) {
            stop({ outcome: 'failed' });
            throw error;
          }
        },
      };
    },
  };
}
