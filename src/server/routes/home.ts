import type { FastifyInstance } from 'fastify';

/**
 * `GET /`: sends a visitor where there is something to see, the API documentation, until the
 * staff workspace is served here. One route in its own file, so the workspace replaces it.
 */
export async function homeRoute(app: FastifyInstance): Promise<void> {
  app.get('/', async (_request, reply) => reply.redirect('/docs'));
}
