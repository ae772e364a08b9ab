import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

const homeAnswer = z.object({
  service: z.literal('switchboard'),
  message: z.string(),
  links: z.object({ api: z.string(), document: z.string(), health: z.string(), webhooks: z.string() }),
});

/**
 * `GET /`: tells a visitor what answers here and where to go, until the staff workspace is
 * served at this address. One route in its own file, so the workspace replaces it.
 */
export async function homeRoute(app: FastifyInstance): Promise<void> {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/',
      { schema: { summary: 'where to go on this gateway', response: { 200: homeAnswer } } },
      async () => ({
        service: 'switchboard' as const,
        message:
          'This is a Switchboard gateway. The staff workspace is not served here yet: the HTTP API ' +
          '(/admin/…, with a bearer token) is described at /docs and in the README, section API.',
        links: {
          api: '/docs',
          document: '/openapi.json',
          health: '/healthz',
          webhooks: '/webhook/<channel>/<tenant slug>',
        },
      }),
    );
}
