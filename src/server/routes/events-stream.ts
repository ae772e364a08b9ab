import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { tenantCaller } from '../caller.ts';
import type { EventBus } from '../events.ts';

/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 20_000;

const streamSchema = {
  summary: 'the tenant’s live events, as server-sent events',
  response: {
    200: {
      description: 'a stream of `event: <type>` lines, each with the JSON event as data; it does not end',
      content: { 'text/event-stream': { schema: z.string() } },
    },
  },
};

/**
 * `GET /admin/events`: the tenant's live events as server-sent events. Each event is
 * `event: <type>` with the JSON event as data. Open streams end when the app closes.
 */
export async function eventStreamRoutes(app: FastifyInstance, options: { events: EventBus }): Promise<void> {
  const { events } = options;
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get('/admin/events', { schema: streamSchema }, (request, reply) => {
    const { tenantId } = tenantCaller(request);
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    stream.write('retry: 2000\n: connected\n\n');
    const unsubscribe = events.subscribe(tenantId, (event) => {
      stream.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), HEARTBEAT_MS);
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(end);
      stream.end();
    };
    open.add(end);
    request.raw.on('close', end);
  });
}
