/**
 * `npm run bench:voice`: what the Media Streams bridge adds to each 20 ms audio frame, and
 * how many concurrent calls one gateway process carries before that grows past 20 ms.
 *
 * Four processes, so that nothing measured waits on the bench's own event loop: the
 * gateway (the real app, `bench/voice/gateway.ts`), the realtime model
 * (`bench/voice/model.ts`), the callers (`bench/voice/callers.ts`) and this one, which only
 * steers them. Every frame carries a stamp (`bench/voice/stamp.ts`) that the bridge
 * forwards untouched, so both hops are timed on one clock: caller → model ("in") and model
 * → caller ("out"), each through two loopback WebSocket hops.
 *
 * `--baseline` puts a trivial relay (`bench/voice/relay.ts`) where the gateway was: what it
 * measures is the bench's and the loopback's share; the gateway's figures over it are the
 * bridge's. `--cpu-prof` writes a V8 CPU profile of every child to bench/results/profiles/
 * (the pids are printed to tell them apart).
 *
 * Steps of N concurrent calls (`--calls 1,25,50,…`, default up to 800), each with a warm-up
 * second and `--seconds` (default 5) measured, stop once even the median passes 20 ms.
 */
import { execSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { cpuMs } from './lib/proc.ts';
import { runCallers } from './voice/callers.ts';
import { runGateway } from './voice/gateway.ts';
import { runModel } from './voice/model.ts';
import { runRelay } from './voice/relay.ts';
import { startRole } from './voice/role.ts';
import { FRAME_MS, percentile } from './voice/stamp.ts';

const LIMIT_MS = 20;

async function runBench(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '1,25,50,100,200,300,400,600,800' },
      seconds: { type: 'string', default: '5' },
      baseline: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const steps = values.calls.split(',').map(Number);
  const seconds = Number(values.seconds);
  const execArgv = values['cpu-prof']
    ? ['--cpu-prof', `--cpu-prof-dir=${new URL('results/profiles/', import.meta.url).pathname}`]
    : [];
  const model = await startRole<{ url: string }>('model', { execArgv });
  const bridge = await startRole<{ port: number }>(values.baseline ? 'relay' : 'gateway', {
    env: { BENCH_REALTIME_URL: model.ready.url },
    execArgv,
  });
  const callers = await startRole<object>('callers', { execArgv });
  const bridgeName = values.baseline ? 'baseline relay' : 'gateway';
  process.stdout.write(
    `pids: ${bridgeName} ${bridge.process.pid}, model ${model.process.pid}, callers ${callers.process.pid}\n`,
  );
  const rows: string[] = [];
  // The largest step that, like every step before it, kept p99 within the limit.
  let carried = 0;
  let passing = true;
  for (const target of steps) {
    await callers.process.ask({
      type: 'place',
      calls: target,
      port: bridge.ready.port,
      webhook: !values.baseline,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await model.process.ask({ type: 'measure', on: true });
    await callers.process.ask({ type: 'measure', on: true });
    const cpuBefore = await Promise.all([bridge, model, callers].map((role) => cpuMs(role.process.pid)));
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
    const cpuAfter = await Promise.all([bridge, model, callers].map((role) => cpuMs(role.process.pid)));
    const { outbound, sent } = await callers.process.ask<{ outbound: number[]; sent: number }>({
      type: 'measure',
      on: false,
    });
    const { inbound } = await model.process.ask<{ inbound: number[] }>({ type: 'measure', on: false });
    const [bridgeCpu = 0, modelCpu = 0, callersCpu = 0] = cpuAfter.map((after, index) =>
      Math.round((after - cpuBefore[index]!) / (seconds * 10)),
    );
    const expected = Math.round((target * seconds * 1_000) / FRAME_MS);
    // The bridge's CPU time per frame carried both ways: what load on the machine changes least.
    const bridgeMicros = ((cpuAfter[0]! - cpuBefore[0]!) * 1_000) / Math.max(1, inbound.length);
    const figures = {
      inboundP50: percentile(inbound, 0.5),
      inboundP99: percentile(inbound, 0.99),
      outboundP50: percentile(outbound, 0.5),
      outboundP99: percentile(outbound, 0.99),
    };
    const worst = Math.max(figures.inboundP99, figures.outboundP99);
    rows.push(
      `| ${target} | ${inbound.length} / ${sent} (${expected} due) | ${figures.inboundP50.toFixed(2)} | ${figures.inboundP99.toFixed(2)} | ${figures.outboundP50.toFixed(2)} | ${figures.outboundP99.toFixed(2)} | ${bridgeCpu} / ${modelCpu} / ${callersCpu} | ${Math.round(bridgeMicros)} | ${loadavg()[0]!.toFixed(2)} |`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
    if (passing && worst <= LIMIT_MS) carried = target;
    else passing = false;
    // Past the limit even for the median, a larger step says nothing more.
    if (!(Math.max(figures.inboundP50, figures.outboundP50) <= LIMIT_MS)) break;
  }
  await callers.process.finish();
  await bridge.process.finish();
  await model.process.finish();
  const commit = execSync('git rev-parse --short HEAD').toString().trim();
  process.stdout.write(
    [
      '',
      `${bridgeName}, commit ${commit}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${seconds} s per step`,
      `| concurrent calls | frames timed / sent | in p50 ms | in p99 ms | out p50 ms | out p99 ms | CPU % ${bridgeName} / model / callers | ${bridgeName} CPU µs per frame | load (1 min) |`,
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      `Carried with p99 ≤ ${LIMIT_MS} ms per frame in both directions: ${carried} concurrent calls.`,
      '',
    ].join('\n'),
  );
}

const roles: Record<string, () => unknown> = {
  gateway: runGateway,
  relay: runRelay,
  model: runModel,
  callers: runCallers,
};
const role = process.env.BENCH_VOICE_ROLE;
if (role) await roles[role]?.();
else await runBench();
