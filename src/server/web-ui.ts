import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { homeRoute } from './routes/home.ts';

/** Where `npm run build:web` writes the staff workspace. */
export const defaultWebRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * Serves the staff workspace (the built React app) at `/`. Without a build (`npm ci` makes
 * one; `npm run build:web` remakes it) `/` tells a visitor where to go instead.
 */
export async function webUiRoutes(app: FastifyInstance, options: { root?: string }): Promise<void> {
  const root = path.resolve(options.root ?? defaultWebRoot);
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'the web workspace is not built; run `npm run build:web`');
    await app.register(homeRoute);
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    // Built assets carry a content hash in their names; index.html must be revalidated.
    setHeaders(response, filePath) {
      response.header(
        'cache-control',
        filePath.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
  });
}
