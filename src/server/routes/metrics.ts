import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { registerErrorHandling } from '../error-handler.ts';
import type { Metrics } from '../metrics.ts';
import { errorResponses } from '../openapi.ts';
import { useZodSchemas } from '../validate.ts';

const scrapeSchema = {
  summary: 'Prometheus metrics',
  security: [{ metricsToken: [] }],
  response: {
    200: {
      description: 'the Prometheus text format',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...errorResponses('UNAUTHORIZED'),
  },
};
const offSchema = {
  summary: 'Prometheus metrics: off until METRICS_TOKEN or METRICS_PORT is set',
  response: {
    200: z.string().describe('never: the route answers 404 while metrics are off'),
    ...errorResponses('NOT_FOUND'),
  },
};

/** Compares digests, so neither the token's content nor its length shows in the timing. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function metricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  app.get('/metrics', { schema: scrapeSchema }, async (request, reply) => {
    if (token && !bearerMatches(request.headers.authorization, token)) {
      throw new AppError('UNAUTHORIZED', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    reply.type(metrics.contentType);
    return metrics.scrape();
  });
}

/**
 * `GET /metrics`, as configured: on its own listener at `METRICS_PORT` (started and closed with
 * the app; behind the token too when `METRICS_TOKEN` is set), else on the app behind
 * `METRICS_TOKEN`. With neither, the route says how to turn metrics on: queue sizes and
 * traffic are nobody's business by default.
 */
export async function serveMetrics(
  app: FastifyInstance,
  metrics: Metrics,
  config: Pick<Config, 'host' | 'metrics'>,
): Promise<void> {
  const { token, port } = config.metrics;
  if (port !== undefined) {
    const server = Fastify({ logger: false });
    registerErrorHandling(server);
    useZodSchemas(server);
    metricsRoute(server, metrics, token);
    app.addHook('onReady', async () => {
      await server.listen({ port, host: config.host });
    });
    app.addHook('onClose', async () => {
      await server.close();
    });
    return;
  }
  if (token) {
    metricsRoute(app, metrics, token);
    return;
  }
  app.get('/metrics', { schema: offSchema }, async () => {
    throw new AppError('NOT_FOUND', 'metrics are off: set METRICS_TOKEN or METRICS_PORT to turn them on');
  });
}
