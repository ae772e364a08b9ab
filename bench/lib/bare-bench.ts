import { startServerChild } from './child.ts';
import { runLoad } from './load.ts';
import { type Measurement, measurementOf } from './measurement.ts';
import type { BenchOptions } from './options.ts';
import { cpuMs } from './proc.ts';
import { updateBody } from './updates.ts';

/**
 * Baseline A: the bare Fastify route, sent the same Telegram-shaped bodies as the gateway
 * (built the same way per request), so the load generator's own cost is the same in both.
 */
export async function benchBareRoute(options: BenchOptions): Promise<Measurement> {
  const server = await startServerChild<{ port: number }, object>(
    new URL('../servers/bare.ts', import.meta.url),
  );
  let nextId = 0;
  const load = (durationSeconds: number) =>
    runLoad({
      url: `http://127.0.0.1:${server.ready.port}/webhook`,
      connections: options.connections,
      durationSeconds,
      headers: { 'content-type': 'application/json' },
      nextRequest() {
        nextId += 1;
        return { id: nextId, body: updateBody(nextId, options.chats) };
      },
    });
  try {
    if (options.warmupSeconds > 0) await load(options.warmupSeconds);
    const before = await cpuMs(server.pid);
    const measured = await load(options.durationSeconds);
    return measurementOf(
      'A. bare Fastify POST route',
      'Fastify POST route answering 200 {"ok":true}; JSON body parsed, no logger',
      { ...measured, serverCpuMs: (await cpuMs(server.pid)) - before },
    );
  } finally {
    await server.finish();
  }
}
