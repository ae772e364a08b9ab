import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  collectorSchemas,
  MAX_BATCH_EVENTS,
  type ReceivedEvent,
} from '../../analytics/collector-protocol.ts';
import type { RateLimiter } from '../../analytics/rate-limit.ts';
import type { Tracker } from '../../analytics/tracker.ts';
import type { WriteKeyHolder, WriteKeys } from '../../analytics/write-keys.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { errorResponses } from '../openapi.ts';

export interface CollectorDependencies {
  tracker: Tracker;
  writeKeys: WriteKeys;
  limiter: RateLimiter;
  clock: Clock;
}

/**
 * The collector: the seed client's `POST /analytics/track/view` and `/track/engagement`,
 * plus `/analytics/track` for any catalog event and `/analytics/batch` for up to 500. Each
 * request is checked in this order — write key (401), size (413), rate (429), every event
 * (400 naming the property) — and answered only after its events are committed. A batch is
 * stored whole or not at all, so a client that fixes and resends it creates no duplicates.
 */
export async function analyticsCollectorRoutes(
  app: FastifyInstance,
  dependencies: CollectorDependencies,
): Promise<void> {
  const { tracker, writeKeys, limiter, clock } = dependencies;
  const schemas = collectorSchemas(clock);
  const api = app.withTypeProvider<ZodTypeProvider>();
  // JSON only, as on the admin API: Fastify's default text/plain parser would let a string through.
  app.removeContentTypeParser('text/plain');
  /** Who sent each admitted request; set before its body is validated. */
  const holders = new WeakMap<FastifyRequest, WriteKeyHolder>();
  const response = {
    200: z.object({
      accepted: z.int().describe('events stored'),
      droppedMetadataKeys: z
        .int()
        .optional()
        .describe('engagement metadata keys left out by the privacy rules (counted, not stored)'),
    }),
    ...errorResponses('PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'VALIDATION_FAILED'),
  };
  /** The route options: key, size and rate are checked before the body is validated. */
  const route = <Body extends z.ZodType>(
    summary: string,
    body: Body,
    events: (request: FastifyRequest) => number,
  ) => ({
    schema: { summary, body, response },
    preValidation: async (request: FastifyRequest) => {
      holders.set(request, await admit(request, events(request)));
    },
  });

  async function admit(request: FastifyRequest, events: number): Promise<WriteKeyHolder> {
    const header = request.headers['x-write-key'];
    const holder = await writeKeys.authenticate(typeof header === 'string' ? header : undefined);
    if (!holder) throw new AppError('UNAUTHORIZED', 'send a valid write key as "X-Write-Key"');
    if (events > MAX_BATCH_EVENTS)
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `a batch holds at most ${MAX_BATCH_EVENTS} events; this one has ${events}`,
      );
    const decision = limiter.take(holder.keyId, events);
    if (!decision.ok)
      throw new AppError('RATE_LIMITED', 'this write key sends more events than it may; slow down', {
        retryAfterMs: decision.retryAfterMs,
      });
    return holder;
  }

  async function store(holder: WriteKeyHolder, received: ReceivedEvent[]) {
    const droppedMetadataKeys = received.reduce((sum, entry) => sum + (entry.droppedKeys ?? 0), 0);
    await tracker.record(
      received.map(({ event, occurredAt }) => ({
        ...event,
        tenantId: holder.tenantId,
        source: 'collector' as const,
        ...(occurredAt ? { occurredAt } : {}),
      })),
    );
    if (droppedMetadataKeys === 0) return { accepted: received.length };
    // The count only: the keys' names are the client's and may say more than they should.
    app.log.info({ droppedMetadataKeys }, 'analytics metadata keys dropped by the privacy rules');
    return { accepted: received.length, droppedMetadataKeys };
  }

  const one = () => 1;
  api.post('/analytics/track/view', route('a content view', schemas.view, one), async (request) =>
    store(holders.get(request)!, [request.body]),
  );

  api.post('/analytics/track/engagement', route('an engagement', schemas.engagement, one), async (request) =>
    store(holders.get(request)!, [request.body]),
  );

  api.post('/analytics/track', route('any catalog event', schemas.track, one), async (request) =>
    store(holders.get(request)!, [request.body]),
  );

  const batchSize = (request: FastifyRequest) => {
    const events = (request.body as { events?: unknown } | undefined)?.events;
    return Array.isArray(events) ? Math.max(events.length, 1) : 1;
  };
  api.post(
    '/analytics/batch',
    route('up to 500 catalog events, stored whole or not at all', schemas.batch, batchSize),
    async (request) => store(holders.get(request)!, request.body.events),
  );
}
