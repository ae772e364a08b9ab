import type { FastifyInstance } from 'fastify';

/**
 * `GET /`: tells a visitor what answers here and where to go, until the staff workspace is
 * served at this address. One route in its own file, so the workspace replaces it.
 */
export async function homeRoute(app: FastifyInstance): Promise<void> {
  app.get('/', async () => ({
    service: 'switchboard',
    message:
      'This is a Switchboard gateway. The staff workspace is not served here yet: the admin API ' +
      '(/admin/…, with a bearer token) is described in the README, section API.',
    links: { health: '/healthz', webhooks: '/webhook/<channel>/<tenant slug>' },
  }));
}
