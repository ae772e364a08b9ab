/**
 * The reply benchmark: webhook in → reply received by the Bot API fake, with the job worker
 * on and the offline agent answering, as the gateway runs in production. See bench/README.md.
 *
 *   npm run bench:reply -- --duration 10 --rates 25,50,100,200
 *   DATABASE_URL=postgresql://… npm run bench:reply -- --only postgresql,postgresql2
 *   npm run bench:reply -- --only sqlite --memory 600 --memory-rate 100
 *
 * The Bot API fake and the load run in this process; each gateway runs in a child process.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { generateKeySpecification } from '../src/connectors/key-ring.ts';
import { createPostgresDatabase } from '../test/support/database.ts';
import { startServerChild } from './lib/child.ts';
import { runLoad } from './lib/load.ts';
import { cpuMs, residentMiB } from './lib/proc.ts';
import {
  Chats,
  closedLoop,
  type FloodResult,
  flood,
  lowLoad,
  openLoop,
  type PhaseResult,
  ReplyLoad,
} from './lib/reply-load.ts';
import { startReplySink } from './lib/reply-sink.ts';
import { loadAverages, machineFacts } from './lib/report.ts';
import { updateBody } from './lib/updates.ts';
import type { GatewayReady } from './servers/gateway.ts';

const CONFIGURATIONS = ['sqlite', 'postgresql', 'postgresql2'] as const;
type Configuration = (typeof CONFIGURATIONS)[number];

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    rates: { type: 'string', default: '25,50,100,200,400' },
    low: { type: 'string', default: '200' },
    chats: { type: 'string', default: '200' },
    connections: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    only: { type: 'string', default: 'sqlite,postgresql,postgresql2' },
    memory: { type: 'string', default: '0' },
    'memory-rate': { type: 'string', default: '50' },
    flood: { type: 'string', default: '' },
    'skip-ingest': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'count-statements': { type: 'boolean', default: false },
  },
});
const durationSeconds = Number(values.duration);
const rates = values.rates.split(',').map(Number);
const lowCount = Number(values.low);
const closedChats = Number(values.chats);
const connections = Number(values.connections);
const memorySeconds = Number(values.memory);
const memoryRate = Number(values['memory-rate']);
const postgresUrl = process.env.DATABASE_URL || undefined;
const only = values.only.split(',').filter((name): name is Configuration => {
  if (!(CONFIGURATIONS as readonly string[]).includes(name)) throw new Error(`unknown configuration ${name}`);
  return name === 'sqlite' || postgresUrl !== undefined;
});

const log = (line: string) => process.stdout.write(`${line}\n`);
const startedAt = new Date().toISOString();
const facts = await machineFacts();
log(`Reply bench, load average ${facts.machine.loadAverageAtStart.join(' ')}`);

interface ConfigurationResult {
  configuration: Configuration;
  phases: PhaseResult[];
  /** Ingest only (worker off), autocannon with distinct updates, in the same run. */
  ingestOnly?: { requestsPerSecond: number; p99Ms: number };
  memory?: Array<{ second: number; rssMiB: number }>;
  flood?: FloodResult;
  /** Gateway CPU (all its processes) per reply in each phase, in ms: robust to a shared machine. */
  cpuMsPerReply: number[];
  /** SQLite statements and transactions per reply in each phase (`--count-statements`). */
  statementsPerReply?: Array<{ statements: number; transactions: number }>;
  /** Replies the fake received for a chat that was awaiting none (a duplicate reply): must be 0. */
  unexpectedReplies: number;
}

// Each configuration gets its own ranges of chat ids, so no chat carries over between them.
let nextChat = 10_000_000;
const chatRange = (count: number) => {
  const first = nextChat;
  nextChat += count + 1_000;
  return first;
};

// The gateways write heap snapshots and profiles here, so it must exist before they start.
const folder = new URL('results/', import.meta.url);
await mkdir(new URL('profiles/', folder), { recursive: true });

const results: ConfigurationResult[] = [];
for (const configuration of only) {
  const scratch = configuration === 'sqlite' ? undefined : await createPostgresDatabase(postgresUrl!);
  try {
    log(`\n## ${configuration}`);
    const result = await measureConfiguration(configuration, scratch?.url);
    results.push(result);
  } finally {
    await scratch?.drop();
  }
}

async function measureConfiguration(configuration: Configuration, databaseUrl?: string) {
  const sink = await startReplySink();
  const countFile =
    values['count-statements'] && configuration === 'sqlite'
      ? `${tmpdir()}/switchboard-bench-statements-${process.pid}.json`
      : undefined;
  const environment = {
    ...(databaseUrl ? { BENCH_DATABASE_URL: databaseUrl } : {}),
    ...(countFile ? { BENCH_COUNT_FILE: countFile } : {}),
    BENCH_WORKER_CONCURRENCY: values.concurrency,
    BENCH_TELEGRAM_API_ROOT: sink.apiRoot,
    BENCH_SECRET_KEY: generateKeySpecification(),
  };
  const execArgv = values['cpu-prof']
    ? ['--cpu-prof', `--cpu-prof-dir=${new URL('results/profiles/', import.meta.url).pathname}`]
    : [];
  if (countFile) execArgv.push('--import', new URL('lib/count-statements.ts', import.meta.url).pathname);
  // SIGUSR2 writes a heap snapshot (the memory run takes one at its end).
  execArgv.push(
    '--heapsnapshot-signal=SIGUSR2',
    `--diagnostic-dir=${new URL('results/', import.meta.url).pathname}`,
  );
  const gateways = [
    await startServerChild<GatewayReady, object>(new URL('servers/gateway.ts', import.meta.url), {
      env: environment,
      execArgv,
    }),
  ];
  if (configuration === 'postgresql2') {
    gateways.push(
      await startServerChild<GatewayReady, object>(new URL('servers/gateway.ts', import.meta.url), {
        env: { ...environment, BENCH_ATTACH: '1' },
        execArgv,
      }),
    );
  }
  const load = new ReplyLoad(
    {
      origins: gateways.map((gateway) => `http://127.0.0.1:${gateway.ready.port}`),
      slug: gateways[0]!.ready.slug,
      secret: sink.secret(),
    },
    sink,
    connections,
  );
  const phases: PhaseResult[] = [];
  const cpuMsPerReply: number[] = [];
  const gatewayCpuMs = async () =>
    (await Promise.all(gateways.map((gateway) => cpuMs(gateway.pid)))).reduce((sum, value) => sum + value, 0);
  const statementsPerReply: NonNullable<ConfigurationResult['statementsPerReply']> = [];
  // The preload writes its totals every 100 ms: wait for a write after the phase ended.
  const statementCounts = async () => {
    if (!countFile) return { statements: 0, transactions: 0 };
    await new Promise((resolve) => setTimeout(resolve, 300));
    return JSON.parse(await readFile(countFile, 'utf8')) as { statements: number; transactions: number };
  };
  let cpuBefore = await gatewayCpuMs();
  let countsBefore = await statementCounts();
  const report = async (phase: PhaseResult) => {
    const cpuNow = await gatewayCpuMs();
    const perReply = (cpuNow - cpuBefore) / Math.max(1, phase.reply.count);
    cpuBefore = cpuNow;
    phases.push(phase);
    cpuMsPerReply.push(perReply);
    let statementsLine = '';
    if (countFile) {
      const countsNow = await statementCounts();
      const replies = Math.max(1, phase.reply.count);
      const perPhase = {
        statements: (countsNow.statements - countsBefore.statements) / replies,
        transactions: (countsNow.transactions - countsBefore.transactions) / replies,
      };
      countsBefore = countsNow;
      statementsPerReply.push(perPhase);
      statementsLine = `; ${perPhase.statements.toFixed(1)} statements, ${perPhase.transactions.toFixed(2)} transactions per reply`;
    }
    log(`${phaseLine(phase)}; gateway CPU ${perReply.toFixed(1)} ms per reply${statementsLine}`);
  };
  let memory: ConfigurationResult['memory'];
  let flooded: FloodResult | undefined;
  try {
    if (values.flood && configuration === 'sqlite') {
      const [rate, seconds] = values.flood.split(':').map(Number);
      flooded = await flood(load, sink, {
        rate: rate!,
        seconds: seconds!,
        firstChat: chatRange(500),
        chats: 500,
        quietSeconds: 20,
      });
      log(
        `flood ${rate}/s for ${seconds} s: ${flooded.sent} sent, ${flooded.failures} failed, ack p50 ` +
          `${format(flooded.acknowledgement.p50)} p99 ${format(flooded.acknowledgement.p99)} ms; replies by second: ` +
          flooded.repliesBySecond.join(' '),
      );
      cpuBefore = await gatewayCpuMs();
      countsBefore = await statementCounts();
    }
    await report(await lowLoad(load, lowCount, chatRange(lowCount)));
    const openChats = new Chats(chatRange(2_000), 2_000);
    for (const rate of rates) {
      const phase = await openLoop(load, openChats, rate, durationSeconds);
      await report(phase);
      // Saturated: the replies no longer keep up with what is offered.
      if (phase.skipped > 0 || phase.repliesPerSecond < rate * 0.8) break;
    }
    await report(await closedLoop(load, chatRange(closedChats), closedChats, durationSeconds));
    if (memorySeconds > 0 && configuration === 'sqlite') {
      memory = [];
      const samples = memory;
      const pid = gateways[0]!.pid;
      const sample = async (second: number) => samples.push({ second, rssMiB: await residentMiB(pid) });
      await sample(0);
      const memoryChats = new Chats(chatRange(10_000), 10_000);
      await report(
        await openLoop(load, memoryChats, memoryRate, memorySeconds, (second) => {
          if (second % 5 === 0) void sample(second);
        }),
      );
      log(`memory: ${samples.map((entry) => `${entry.second}s ${entry.rssMiB}`).join(', ')}`);
      process.kill(pid, 'SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 15_000));
    }
  } finally {
    await load.close();
    for (const gateway of gateways) await gateway.finish();
  }
  const unexpectedReplies = sink.counts().unexpected;
  await sink.close();
  const ingestOnly = values['skip-ingest'] ? undefined : await measureIngestOnly(databaseUrl, configuration);
  if (ingestOnly)
    log(`ingest only: ${Math.round(ingestOnly.requestsPerSecond)} req/s, p99 ${ingestOnly.p99Ms} ms`);
  return {
    configuration,
    phases,
    ingestOnly,
    memory,
    flood: flooded,
    cpuMsPerReply,
    ...(countFile ? { statementsPerReply } : {}),
    unexpectedReplies,
  } satisfies ConfigurationResult;
}

/** The same gateway with its worker off, distinct updates from autocannon: bench:ingest's row C. */
async function measureIngestOnly(databaseUrl: string | undefined, configuration: Configuration) {
  // A fresh database, so the ingest run does not pay for the reply runs' rows.
  const scratch = databaseUrl ? await createPostgresDatabase(postgresUrl!) : undefined;
  const env = {
    ...(scratch ? { BENCH_DATABASE_URL: scratch.url } : {}),
    BENCH_WORKER_CONCURRENCY: '0',
    BENCH_SECRET_KEY: generateKeySpecification(),
  };
  const gateways = [
    await startServerChild<GatewayReady, object>(new URL('servers/gateway.ts', import.meta.url), { env }),
  ];
  if (configuration === 'postgresql2') {
    gateways.push(
      await startServerChild<GatewayReady, object>(new URL('servers/gateway.ts', import.meta.url), {
        env: { ...env, BENCH_ATTACH: '1' },
      }),
    );
  }
  let nextId = 0;
  try {
    const runs = await Promise.all(
      gateways.map((gateway) =>
        runLoad({
          url: `http://127.0.0.1:${gateway.ready.port}/webhook/telegram/${gateway.ready.slug}`,
          connections: Math.ceil(50 / gateways.length),
          durationSeconds,
          headers: {
            'content-type': 'application/json',
            'x-telegram-bot-api-secret-token': gateways[0]!.ready.secret,
          },
          nextRequest() {
            nextId += 1;
            return { id: nextId, body: updateBody(nextId, 1_000) };
          },
        }),
      ),
    );
    return {
      requestsPerSecond: runs.reduce((sum, run) => sum + run.requestsPerSecond, 0),
      p99Ms: Math.max(...runs.map((run) => run.latencyMs.p99)),
    };
  } finally {
    for (const gateway of gateways) await gateway.finish();
    await scratch?.drop();
  }
}

function format(value: number): string {
  return Number.isNaN(value) ? '–' : value.toFixed(value < 10 ? 1 : 0);
}

function phaseLine(phase: PhaseResult): string {
  return (
    `${phase.phase}: ${phase.sent} sent, ${format(phase.repliesPerSecond)} replies/s; ` +
    `ack p50 ${format(phase.acknowledgement.p50)} p99 ${format(phase.acknowledgement.p99)} ms; ` +
    `reply p50 ${format(phase.reply.p50)} p99 ${format(phase.reply.p99)} max ${format(phase.reply.max)} ms; ` +
    `failures ${phase.failures}, missing ${phase.missingReplies}, skipped ${phase.skipped}, ` +
    `longest stall ${phase.longestStallSeconds} s, drain ${format(phase.drainSeconds)} s`
  );
}

const table = [
  '| configuration | phase | sent | replies/s | ack p50 / p99 | reply p50 / p99 (max) | stall | drain | CPU per reply |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.flatMap((result) =>
    result.phases.map(
      (phase, index) =>
        `| ${result.configuration} | ${phase.phase} | ${phase.sent} | ${format(phase.repliesPerSecond)} | ` +
        `${format(phase.acknowledgement.p50)} / ${format(phase.acknowledgement.p99)} ms | ` +
        `${format(phase.reply.p50)} / ${format(phase.reply.p99)} ms (${format(phase.reply.max)}) | ` +
        `${phase.longestStallSeconds} s | ${format(phase.drainSeconds)} s | ${format(result.cpuMsPerReply[index]!)} ms |`,
    ),
  ),
];
log(`\n${table.join('\n')}`);
for (const result of results) {
  const saturation = result.phases[result.phases.length - 1 - (result.memory ? 1 : 0)];
  if (result.ingestOnly && saturation)
    log(
      `- ${result.configuration}: saturation ${format(saturation.repliesPerSecond)} replies/s, ingest only ` +
        `${format(result.ingestOnly.requestsPerSecond)} req/s: ratio ` +
        `${(saturation.repliesPerSecond / result.ingestOnly.requestsPerSecond).toFixed(2)}; unexpected replies ${result.unexpectedReplies}`,
    );
}
const file = new URL(`reply-${startedAt.slice(0, 19).replaceAll(':', '-')}.json`, folder);
await writeFile(
  file,
  `${JSON.stringify({ startedAt, ...facts, loadAverageAtEnd: loadAverages(), options: values, results }, null, 2)}\n`,
);
log(`\nWritten to ${file.pathname}`);
