/**
 * Start-up benchmark: time from starting the gateway to a healthy `/healthz`, and resident
 * memory once it has been idle for a few seconds, for each way of starting it. The commands
 * run alternately, so drift in the machine's load falls on all of them.
 *
 *   npm run bench:startup -- --runs 5
 *   npm run bench:startup -- --runs 3 --baseline /path/to/other/checkout   # before/after
 *   npm run bench:startup -- --tsx                     # also `node --import tsx src/main.ts`
 *   npm run bench:startup -- --settle 40               # also the RSS 40 s after start-up
 *
 * Each checkout is started with the command of its `npm start` (its package.json's `start`
 * script, with the variables and Node options it sets), without npm itself in between.
 * `--baseline` names another checkout whose `dist/` is built (`npm run build` there): its
 * start command runs alternately with this one's, so a change is measured before and after in
 * the same sitting. Every run gets a fresh data folder (a first start: migrations run) and is
 * then started again on the same folder (a restart); the memory figures are the restart's.
 *
 * Idle memory is resident memory (RSS) split into anonymous memory (V8's heap, malloc) and
 * file-backed pages (the mapped `node` binary and libraries, shared with other Node
 * processes). `--settle` also reads it later: V8's memory reducer shrinks the heap about
 * 30 s after the last full collection, so a gateway left alone ends up below its 5 s figure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
    settle: { type: 'string' },
    baseline: { type: 'string' },
    tsx: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const idleSeconds = Number(values.idle);
const settleSeconds = values.settle === undefined ? undefined : Number(values.settle);

const root = new URL('../', import.meta.url).pathname;

/** A way of starting: the command, the variables it sets and the checkout it runs in. */
interface Command {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * A checkout's `npm start`: its start script split into leading `NAME=value` assignments and
 * the command. The scripts are plain words; quoting would need a shell and is refused.
 */
async function npmStart(checkout: string): Promise<Command> {
  const { scripts } = JSON.parse(await readFile(path.join(checkout, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  if (/["'`$\\]/.test(scripts.start))
    throw new Error(`cannot run the start script without a shell: ${scripts.start}`);
  const words = scripts.start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  return { argv: words, env, cwd: checkout };
}

/** `npm start` of this checkout, and what the options add: another checkout's, or the sources through tsx. */
const commands: Record<string, Command> = {};
const own = await npmStart(root);
commands[`this checkout (${own.argv.join(' ')})`] = own;
if (values.baseline) {
  const baseline = await npmStart(path.resolve(values.baseline));
  commands[`baseline (${values.baseline}: ${baseline.argv.join(' ')})`] = baseline;
}
if (values.tsx)
  commands['tsx (src/main.ts)'] = { argv: ['node', '--import', 'tsx', 'src/main.ts'], env: {}, cwd: root };
for (const [name, command] of Object.entries(commands))
  process.stdout.write(
    `${name}: ${Object.entries(command.env)
      .map(([key, value]) => `${key}=${value} `)
      .join('')}${command.argv.join(' ')}\n`,
  );
interface Samples {
  first: number[];
  restart: number[];
  firstCpu: number[];
  restartCpu: number[];
  rssMiB: number[];
  anonymousMiB: number[];
  fileMiB: number[];
  idleCpuMs: number[];
  settledMiB: number[];
}
const results: Record<string, Samples> = {};
for (const name of Object.keys(commands))
  results[name] = {
    first: [],
    restart: [],
    firstCpu: [],
    restartCpu: [],
    rssMiB: [],
    anonymousMiB: [],
    fileMiB: [],
    idleCpuMs: [],
    settledMiB: [],
  };

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
      const memory = restart.memory!;
      results[name]!.rssMiB.push(memory.rssMiB);
      results[name]!.anonymousMiB.push(memory.anonymousMiB);
      results[name]!.fileMiB.push(memory.fileMiB);
      results[name]!.idleCpuMs.push(memory.idleCpuMs);
      if (memory.settledMiB !== undefined) results[name]!.settledMiB.push(memory.settledMiB);
      process.stdout.write(
        `${name}: first start ${Math.round(first.healthyMs)} ms (CPU ${first.startCpuMs} ms), restart ` +
          `${Math.round(restart.healthyMs)} ms (CPU ${restart.startCpuMs} ms), idle RSS ${memory.rssMiB} MiB ` +
          `(anonymous ${memory.anonymousMiB}, files ${memory.fileMiB}), CPU while idle ${memory.idleCpuMs} ms` +
          (memory.settledMiB === undefined ? '' : `, after ${settleSeconds} s ${memory.settledMiB} MiB`) +
          '\n',
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

process.stdout.write(`load average at the end: ${load()}\n`);
const settledColumn = settleSeconds === undefined ? '' : ` RSS after ${settleSeconds} s p50 |`;
process.stdout.write(
  '\n| start command | first start p50 (max) | its CPU p50 | restart p50 (max) | its CPU p50 | ' +
    `idle RSS p50 | of it anonymous / files | CPU while idle p50 |${settledColumn}\n` +
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${settleSeconds === undefined ? '' : ' ---: |'}\n`,
);
for (const [name, result] of Object.entries(results)) {
  const first = percentiles(result.first);
  const restart = percentiles(result.restart);
  const settled = settleSeconds === undefined ? '' : ` ${percentiles(result.settledMiB).p50} MiB |`;
  process.stdout.write(
    `| ${name} | ${Math.round(first.p50)} ms (${Math.round(first.max)}) | ${percentiles(result.firstCpu).p50} ms | ` +
      `${Math.round(restart.p50)} ms (${Math.round(restart.max)}) | ${percentiles(result.restartCpu).p50} ms | ` +
      `${percentiles(result.rssMiB).p50} MiB | ${percentiles(result.anonymousMiB).p50} / ` +
      `${percentiles(result.fileMiB).p50} MiB | ${percentiles(result.idleCpuMs).p50} ms |${settled}\n`,
  );
}

/** Resident memory in MiB, and how much of it is anonymous (heap, malloc) or mapped files. */
interface IdleMemory {
  rssMiB: number;
  anonymousMiB: number;
  fileMiB: number;
  /** CPU used while idle, from `/healthz` answering to the RSS reading. */
  idleCpuMs: number;
  /** With `--settle`: the RSS that many seconds after start-up. */
  settledMiB?: number;
}

async function residentParts(pid: number): Promise<Omit<IdleMemory, 'idleCpuMs'>> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? Number.NaN);
  const mib = (value: number) => Math.round(value / 1024);
  return {
    rssMiB: mib(kib('Rss')),
    anonymousMiB: mib(kib('Anonymous')),
    fileMiB: mib(kib('Rss') - kib('Anonymous')),
  };
}

/**
 * Starts the gateway, polls /healthz until 200; with `measureMemory` waits idle and reads its
 * resident memory, and with `--settle` reads it again that many seconds after start-up.
 */
async function startOnce(
  command: Command,
  dataDir: string,
  measureMemory: boolean,
): Promise<{ healthyMs: number; startCpuMs: number; memory?: IdleMemory }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command.argv[0]!, command.argv.slice(1), {
    cwd: command.cwd,
    env: {
      ...process.env,
      ...command.env,
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
    // What an idle gateway spends in those seconds: timers and pollers running with nothing to do.
    const parts = { ...(await residentParts(child.pid!)), idleCpuMs: (await cpuMs(child.pid!)) - startCpuMs };
    if (settleSeconds === undefined) return { healthyMs, startCpuMs, memory: parts };
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, settleSeconds - idleSeconds) * 1000));
    return { healthyMs, startCpuMs, memory: { ...parts, settledMiB: await residentMiB(child.pid!) } };
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
