import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { tenantCaller } from '../caller.ts';
import type { EventBus } from '../events.ts';
import { openServerSentEvents } from '../server-sent-events.ts';

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
    openServerSentEvents(request, reply, open, (stream) =>
      events.subscribe(tenantId, (event) => stream.send(event.type, event)),
    );
  });
}
