import { parseArgs } from 'node:util';

/** `gateway` is the Telegram runs (C, D); `whatsapp` (E) and `sms` (F) run in the same gateway process. */
export const SCENARIOS = ['bare', 'sqlite', 'gateway', 'whatsapp', 'sms'] as const;
export type ScenarioGroup = (typeof SCENARIOS)[number];

export interface BenchOptions {
  /** Seconds of each measured run. */
  durationSeconds: number;
  /** Seconds of load before each measured run, not counted. */
  warmupSeconds: number;
  connections: number;
  /** Chats the distinct updates are spread over (also WhatsApp and SMS senders). */
  chats: number;
  only: ScenarioGroup[];
  /** Also run the gateway against this PostgreSQL database. */
  databaseUrl: string | undefined;
  /** On PostgreSQL, the gateway runs once with each of these numbers of processes. */
  postgresqlProcesses: number[];
  /** Write a V8 CPU profile of each gateway process to bench/results/profiles. */
  cpuProfile: boolean;
  /** The gateway's LOG_LEVEL. */
  logLevel: string;
}

const usage = `npm run bench:ingest -- [--duration 10] [--warmup 3] [--connections 50] [--chats 1000]
    [--only bare,sqlite,gateway,whatsapp,sms] [--postgresql-processes 1,2] [--cpu-prof]
Environment: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_CHATS, BENCH_ONLY,
BENCH_CPU_PROF=1, BENCH_LOG_LEVEL (default warn); DATABASE_URL=postgresql://… adds the
gateway on PostgreSQL, once per number in --postgresql-processes (default 1; the load is
split evenly over the processes, which share the database).`;

/** Command-line flags win over BENCH_* variables, which win over the defaults. */
export function readOptions(argv: string[], environment: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      chats: { type: 'string' },
      only: { type: 'string' },
      'postgresql-processes': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const only = (values.only ?? environment.BENCH_ONLY ?? SCENARIOS.join(','))
    .split(',')
    .map((name) => name.trim());
  const unknown = only.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown scenario ${unknown.join(', ')}; use ${SCENARIOS.join(', ')}`);
  const databaseUrl = environment.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new Error(
      'DATABASE_URL must be a postgresql:// URL for the bench (SQLite runs on a temporary file)',
    );
  return {
    durationSeconds: positive('duration', values.duration ?? environment.BENCH_DURATION ?? '10'),
    warmupSeconds: positive('warmup', values.warmup ?? environment.BENCH_WARMUP ?? '3', true),
    connections: positive('connections', values.connections ?? environment.BENCH_CONNECTIONS ?? '50'),
    chats: positive('chats', values.chats ?? environment.BENCH_CHATS ?? '1000'),
    only: only as ScenarioGroup[],
    databaseUrl,
    postgresqlProcesses: (values['postgresql-processes'] ?? '1')
      .split(',')
      .map((count) => positive('postgresql-processes', count.trim())),
    cpuProfile: values['cpu-prof'] ?? environment.BENCH_CPU_PROF === '1',
    logLevel: environment.BENCH_LOG_LEVEL ?? 'warn',
  };
}

function positive(name: string, text: string, zeroAllowed = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1))
    throw new Error(`--${name} must be a whole number${zeroAllowed ? '' : ' above 0'}, not "${text}"`);
  return value;
}
