/**
 * The analytics benchmark: events per second through `track` (buffered), through
 * `trackInTransaction`, and through the collector's `POST /analytics/batch`, and what one
 * `track` call costs its caller next to an empty function call. See bench/README.md.
 *
 *   npm run bench:analytics -- --duration 10 --warmup 2 --events 200000 --transactions 2000
 *
 * The in-process measurements run in this process; the collector's gateway runs in a child
 * process, with autocannon here. Traffic goes to 127.0.0.1 only; every run stops by itself.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { benchCollector, type CollectorResults } from './lib/collector-bench.ts';
import { machineFacts } from './lib/report.ts';
import { benchTracker, type TrackerResults } from './lib/tracker-bench.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    events: { type: 'string', default: '200000' },
    transactions: { type: 'string', default: '2000' },
  },
});
const number = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  return value;
};
const options = {
  durationSeconds: number('duration'),
  warmupSeconds: number('warmup'),
  events: Math.max(1_000, number('events')),
  transactions: Math.max(100, number('transactions')),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
};
const postgresUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const databases = [undefined, ...(postgresUrl ? [postgresUrl] : [])];
const log = (line: string) => process.stdout.write(`${line}\n`);

const startedAt = new Date().toISOString();
const facts = await machineFacts();
log(
  `Analytics bench: ${facts.machine.cpus} × ${facts.machine.cpuModel}, node ${process.version}, load ${facts.machine.loadAverageAtStart.join(' ')}`,
);

const trackers: TrackerResults[] = [];
const collectors: CollectorResults[] = [];
for (const url of databases) {
  log(`tracker on ${url ? 'PostgreSQL' : 'SQLite'} …`);
  trackers.push(await benchTracker(options, url));
  log(`collector on ${url ? 'PostgreSQL' : 'SQLite'} …`);
  collectors.push(await benchCollector(options, url));
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const rows = [
  '| scenario | database | rate | p50 / p99 latency | ratio to its baseline |',
  '| --- | --- | ---: | ---: | ---: |',
];
for (const result of trackers) {
  const { database } = result;
  rows.push(
    `| A. empty function call (baseline) | – | ${decimal.format(result.emptyCallNs)} ns/call | – | 1 |`,
    `| B. \`track\`, cost to the caller | ${database} | ${decimal.format(result.trackCallNs)} ns/call | – | ${decimal.format(result.trackCallNs / result.emptyCallNs)} × A (+${decimal.format(result.trackCallNs - result.emptyCallNs)} ns) |`,
    `| C. \`track\`, buffered, until committed | ${database} | ${integer.format(result.trackEventsPerSecond)} events/s | – | – |`,
    `| D. transaction with a tool-call row (baseline) | ${database} | ${integer.format(result.transactionBaselinePerSecond)} tx/s | – | 1 |`,
    `| E. the same + \`trackInTransaction\` (1 event) | ${database} | ${integer.format(result.transactionWithEventPerSecond)} events/s | – | ${decimal.format(result.transactionWithEventPerSecond / result.transactionBaselinePerSecond)} × D |`,
    `| F. \`trackInTransaction\`, 50 events per transaction | ${database} | ${integer.format(result.batchEventsPerSecond)} events/s | ${decimal.format(result.batchOf50Ms)} ms per batch | – |`,
  );
}
for (const result of collectors) {
  for (const run of result.runs) {
    rows.push(
      `| G. ${run.scenario}, ${run.connections} connections | ${result.database} | ${integer.format(run.eventsPerSecond)} events/s (${integer.format(run.requestsPerSecond)} req/s) | ${decimal.format(run.latencyMs.p50)} / ${decimal.format(run.latencyMs.p99)} ms | – |`,
    );
  }
}
const checks = [
  ...trackers.map(
    (result) =>
      `- ${result.trackDropped === 0 ? 'PASS' : 'FAIL'} tracker on ${result.database}: ${integer.format(result.storedEvents)} events stored, ${result.trackDropped} dropped`,
  ),
  ...collectors.map(
    (result) =>
      `- ${result.passed ? 'PASS' : 'FAIL'} collector on ${result.database}: ${integer.format(result.acknowledgedEvents)} events acknowledged, ${integer.format(result.storedEvents)} stored (${integer.format(result.cutOffEvents)} in requests cut off when a run stopped), ${result.runs.reduce((sum, run) => sum + run.non2xx + run.errors, 0)} non-2xx or errors`,
  ),
];

const folder = new URL('./results/', import.meta.url);
await mkdir(folder, { recursive: true });
const file = new URL(`analytics-${startedAt.slice(0, 19).replaceAll(':', '-')}.json`, folder);
await writeFile(
  file,
  `${JSON.stringify({ startedAt, ...facts, options: { ...options, postgresql: Boolean(postgresUrl) }, trackers, collectors }, null, 2)}\n`,
);
log(`\n${rows.join('\n')}\n\n${checks.join('\n')}\n\nResults written to ${file.pathname}`);
if (checks.some((line) => line.startsWith('- FAIL'))) process.exitCode = 1;
