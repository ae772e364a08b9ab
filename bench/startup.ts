/**
 * Start-up benchmark: time from starting the gateway to a healthy `/healthz`, and resident
 * memory once it has been idle for a few seconds, for each way of starting it. The commands
 * run alternately, so drift in the machine's load falls on all of them.
 *
 *   npm run bench:startup -- --runs 5
 *   npm run bench:startup -- --runs 3 --baseline /path/to/other/checkout   # before/after
 *   npm run bench:startup -- --tsx                     # also `node --import tsx src/main.ts`
 *
 * `--baseline` names another checkout whose `dist/` is built (`npm run build` there): its
 * `node dist/main.js` runs alternately with this one's, so a change is measured before and
 * after in the same sitting. Every run gets a fresh data folder (a first start: migrations run) and is then started
 * again on the same folder (a restart).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMs, residentMiB } from './lib/proc.ts';
import { percentiles } from './lib/reply-load.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: 'string', default: '5' },
    idle: { type: 'string', default: '5' },
    baseline: { type: 'string' },
    tsx: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const idleSeconds = Number(values.idle);

const root = new URL('../', import.meta.url).pathname;

/** A way of starting: the command and the checkout it runs in. */
interface Command {
  argv: string[];
  cwd: string;
}

/** `npm start` of this checkout, and what the options add: another checkout's, or the sources through tsx. */
const commands: Record<string, Command> = {
  'this checkout (dist/main.js)': { argv: ['node', 'dist/main.js'], cwd: root },
};
if (values.baseline)
  commands[`baseline (${values.baseline})`] = {
    argv: ['node', 'dist/main.js'],
    cwd: path.resolve(values.baseline),
  };
if (values.tsx)
  commands['tsx (src/main.ts)'] = { argv: ['node', '--import', 'tsx', 'src/main.ts'], cwd: root };
interface Samples {
  first: number[];
  restart: number[];
  firstCpu: number[];
  restartCpu: number[];
  rssMiB: number[];
}
const results: Record<string, Samples> = {};
for (const name of Object.keys(commands))
  results[name] = { first: [], restart: [], firstCpu: [], restartCpu: [], rssMiB: [] };

// Wall times depend on what else the machine runs; the load average says how much that was.
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
process.stdout.write(`load average at the start: ${load()}\n`);
for (let run = 0; run < runs; run += 1) {
  for (const [name, command] of Object.entries(commands)) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-startup-'));
    try {
      const first = await startOnce(command, dataDir, false);
      const restart = await startOnce(command, dataDir, true);
      results[name]!.first.push(first.healthyMs);
      results[name]!.restart.push(restart.healthyMs);
      results[name]!.firstCpu.push(first.startCpuMs);
      results[name]!.restartCpu.push(restart.startCpuMs);
      results[name]!.rssMiB.push(restart.rssMiB!);
      process.stdout.write(
        `${name}: first start ${Math.round(first.healthyMs)} ms (CPU ${first.startCpuMs} ms), restart ` +
          `${Math.round(restart.healthyMs)} ms (CPU ${restart.startCpuMs} ms), idle RSS ${restart.rssMiB} MiB\n`,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

process.stdout.write(`load average at the end: ${load()}\n`);
process.stdout.write(
  '\n| start command | first start p50 (max) | its CPU p50 | restart p50 (max) | its CPU p50 | idle RSS p50 |\n' +
    '| --- | ---: | ---: | ---: | ---: | ---: |\n',
);
for (const [name, result] of Object.entries(results)) {
  const first = percentiles(result.first);
  const restart = percentiles(result.restart);
  const rss = percentiles(result.rssMiB);
  process.stdout.write(
    `| ${name} | ${Math.round(first.p50)} ms (${Math.round(first.max)}) | ${percentiles(result.firstCpu).p50} ms | ` +
      `${Math.round(restart.p50)} ms (${Math.round(restart.max)}) | ${percentiles(result.restartCpu).p50} ms | ${rss.p50} MiB |\n`,
  );
}

/** Starts the gateway, polls /healthz until 200; with `measureMemory` waits idle and reads its RSS. */
async function startOnce(command: Command, dataDir: string, measureMemory: boolean) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command.argv[0]!, command.argv.slice(1), {
    cwd: command.cwd,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SWITCHBOARD_ADMIN_TOKEN: 'startup-bench-admin-token-0123456789',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${command.argv.join(' ')} exited with ${code}`))),
    );
    await Promise.race([healthy(port), exited]);
    const healthyMs = performance.now() - started;
    // The CPU it took to get there: a busy machine stretches the wall time, much less this.
    const startCpuMs = await cpuMs(child.pid!);
    if (!measureMemory) return { healthyMs, startCpuMs };
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    return { healthyMs, startCpuMs, rssMiB: await residentMiB(child.pid!) };
  } finally {
    await stop(child);
  }
}

async function healthy(port: number): Promise<void> {
  for (;;) {
    const answer = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (answer?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
