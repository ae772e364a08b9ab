import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import type { Verification } from './gateway-bench.ts';
import type { Measurement } from './measurement.ts';
import type { BenchOptions } from './options.ts';

export interface BenchReport {
  startedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    platform: string;
    /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews results. */
    loadAverageAtStart: number[];
    /** The same when it ended; the bench itself keeps both cores busy, about 2. */
    loadAverageAtEnd?: number[];
  };
  versions: Record<string, string>;
  git: { commit: string; uncommittedChanges: boolean };
  options: Omit<BenchOptions, 'databaseUrl'> & { postgresql: boolean };
  /** Where the load generator and the servers ran; they share the machine's cores. */
  setup: string;
  measurements: Measurement[];
  ratios: Record<string, number>;
  verifications: Verification[];
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function markdownTable(measurements: Measurement[]): string {
  const lines = [
    '| scenario | rate | p50 latency | p99 latency | 2xx | non-2xx | errors (timeouts) | load generator CPU | server CPU per request |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of measurements) {
    const latency = row.latencyMs;
    lines.push(
      `| ${row.scenario} | ${integer.format(row.rate)} ${row.unit}` +
        `${row.messagesPerRequest ? ` (${integer.format(row.rate * row.messagesPerRequest)} msg/s)` : ''} | ` +
        `${latency ? `${decimal.format(latency.p50)} ms` : '–'} | ` +
        `${latency ? `${decimal.format(latency.p99)} ms` : '–'} | ` +
        `${row.ok2xx === undefined ? '–' : integer.format(row.ok2xx)} | ${row.non2xx ?? '–'} | ` +
        `${row.errors === undefined ? '–' : `${row.errors} (${row.timeouts ?? 0})`} | ` +
        `${row.loadGeneratorCores === undefined ? '–' : `${decimal.format(row.loadGeneratorCores)} cores`} | ` +
        `${row.serverCpuUsPerRequest === undefined ? '–' : `${integer.format(row.serverCpuUsPerRequest)} µs`} |`,
    );
  }
  return lines.join('\n');
}

export function verificationLines(verifications: Verification[]): string {
  return verifications
    .map(
      (check) =>
        `- ${check.passed ? 'PASS' : 'FAIL'} ${check.database}, ${check.channel}: ${check.acknowledged} messages acknowledged, ` +
        `${check.storedMessages} messages stored (${check.storedButUnanswered} of them from the ` +
        `${check.unansweredAtStop} messages in requests cut off unanswered when a run stopped), ` +
        `${check.acknowledgedButMissing} acknowledged but missing, ${check.storedButNeverSent} stored but never sent, ` +
        `${check.wrongAnswers} wrong answers, ${check.transportErrors} connection errors, ` +
        `${check.respondJobs} respond jobs, ` +
        `${check.conversations} conversations / ${check.contacts} contacts for ${check.chatsWithMessages} chats/senders`,
    )
    .join('\n');
}

export function ratioLines(ratios: Record<string, number>): string {
  return Object.entries(ratios)
    .map(([name, value]) => `- ${name}: ${decimal.format(value)}`)
    .join('\n');
}

export async function machineFacts(): Promise<Pick<BenchReport, 'machine' | 'versions' | 'git'>> {
  const processors = cpus();
  const versions: Record<string, string> = { node: process.version };
  for (const name of ['fastify', 'autocannon', '@prisma/client', 'better-sqlite3']) {
    const file = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    versions[name] = (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
  }
  return {
    machine: {
      cpus: processors.length,
      cpuModel: processors[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverageAtStart: loadAverages(),
    },
    versions,
    git: {
      commit: git(['rev-parse', 'HEAD']),
      uncommittedChanges: git(['status', '--porcelain']) !== '',
    },
  };
}

export function loadAverages(): number[] {
  return loadavg().map((load) => Math.round(load * 100) / 100);
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Writes bench/results/ingest-<date and time>.json; returns its path. */
export async function writeReport(report: BenchReport): Promise<string> {
  const folder = new URL('../results/', import.meta.url);
  await mkdir(folder, { recursive: true });
  const stamp = report.startedAt.slice(0, 19).replaceAll(':', '-');
  const file = new URL(`ingest-${stamp}.json`, folder);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file.pathname;
}
