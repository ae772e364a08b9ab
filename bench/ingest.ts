/**
 * The ingest benchmark: how many Telegram, WhatsApp Cloud and Twilio SMS webhooks per second the gateway verifies, dedupes,
 * stores and acknowledges, next to two ceilings measured in the same run on the same
 * machine: a bare Fastify route (A) and raw SQLite inserts (B). See bench/README.md.
 *
 *   npm run bench:ingest -- --duration 10 --warmup 3
 *
 * autocannon runs in this process; each server runs in a child process of its own. They
 * share the machine's cores, so the load generator's CPU is taken from the servers'.
 */
import { benchBareRoute } from './lib/bare-bench.ts';
import { benchGateway, type Verification } from './lib/gateway-bench.ts';
import type { Measurement } from './lib/measurement.ts';
import { type BenchOptions, readOptions } from './lib/options.ts';
import {
  type BenchReport,
  loadAverages,
  machineFacts,
  markdownTable,
  ratioLines,
  verificationLines,
  writeReport,
} from './lib/report.ts';
import { measureSqliteInserts } from './lib/sqlite-inserts.ts';

let options: BenchOptions;
try {
  options = readOptions(process.argv.slice(2), process.env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const startedAt = new Date().toISOString();
const facts = await machineFacts();
const log = (line: string) => process.stdout.write(`${line}\n`);
log(
  `Ingest bench: ${options.connections} connections, ${options.warmupSeconds} s warm-up + ` +
    `${options.durationSeconds} s per run, ${facts.machine.cpus} × ${facts.machine.cpuModel}, node ${process.version}, ` +
    `load average ${facts.machine.loadAverageAtStart.join(' ')}`,
);

const measurements: Measurement[] = [];
const verifications: Verification[] = [];
const ratios: Record<string, number> = {};
let bare: Measurement | undefined;
let sqlite: Measurement | undefined;

if (options.only.includes('bare')) {
  log('A. bare Fastify route …');
  bare = await benchBareRoute(options);
  measurements.push(bare);
}
if (options.only.includes('sqlite')) {
  log('B. raw better-sqlite3 inserts …');
  sqlite = await sqliteMeasurement(
    'B. raw better-sqlite3 inserts, 1 per transaction',
    'INSERT into the migrated messages table, WAL + synchronous=NORMAL, one statement at a time, autocommit',
    1,
  );
  measurements.push(sqlite);
  measurements.push(
    await sqliteMeasurement(
      "B'. raw better-sqlite3 inserts, 50 per transaction",
      'the same inserts, 50 to a transaction: about what a group commit of 50 deliveries writes',
      50,
    ),
  );
}
if (options.only.some((name) => name === 'gateway' || name === 'whatsapp' || name === 'sms')) {
  const { databaseUrl: postgresqlUrl, postgresqlProcesses } = options;
  const runs = [
    { databaseUrl: undefined, processes: 1 },
    ...(postgresqlUrl
      ? postgresqlProcesses.map((processes) => ({ databaseUrl: postgresqlUrl, processes }))
      : []),
  ];
  for (const { databaseUrl, processes } of runs) {
    log(`C–F. gateway on ${databaseUrl ? `PostgreSQL, ${processes} process(es)` : 'SQLite'} …`);
    const gateway = await benchGateway(options, databaseUrl, processes);
    measurements.push(...gateway.measurements);
    verifications.push(...gateway.verifications);
    if (gateway.distinct) {
      const name = gateway.distinct.scenario;
      if (bare) ratios[`${name} / A (bare route)`] = gateway.distinct.rate / bare.rate;
      if (sqlite) ratios[`${name} / B (raw SQLite inserts)`] = gateway.distinct.rate / sqlite.rate;
    }
  }
}

async function sqliteMeasurement(
  scenario: string,
  description: string,
  rowsPerTransaction: number,
): Promise<Measurement> {
  const inserts = await measureSqliteInserts({ ...options, rowsPerTransaction });
  return {
    scenario,
    description,
    unit: 'rows/s',
    rate: inserts.rowsPerSecond,
    durationSeconds: inserts.durationSeconds,
  };
}

const { databaseUrl, ...shownOptions } = options;
const report: BenchReport = {
  startedAt,
  ...facts,
  machine: { ...facts.machine, loadAverageAtEnd: loadAverages() },
  options: { ...shownOptions, postgresql: databaseUrl !== undefined },
  setup:
    'autocannon (50 keep-alive connections, no pipelining) in the parent process; each server in its own ' +
    'child process; all on the same machine, sharing its cores. Gateway: WORKER_CONCURRENCY=0 (ingest only).',
  measurements,
  ratios,
  verifications,
};
const file = await writeReport(report);

log(`\n${markdownTable(measurements)}\n`);
if (Object.keys(ratios).length > 0) log(`${ratioLines(ratios)}\n`);
if (verifications.length > 0) log(`${verificationLines(verifications)}\n`);
log(`Load average at the end: ${report.machine.loadAverageAtEnd?.join(' ')}. Results written to ${file}`);
if (verifications.some((check) => !check.passed)) process.exitCode = 1;
