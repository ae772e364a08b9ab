import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.ts';

const ENCODED_NUL = /%00/i;

/** Whether any string in a parsed JSON value holds U+0000; iterative, so nesting depth costs no stack. */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (next.includes('\u0000')) return true;
    } else if (next !== null && typeof next === 'object' && !Buffer.isBuffer(next)) {
      for (const [key, child] of Object.entries(next)) {
        if (key.includes('\u0000')) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

/**
 * Refuses NUL characters in URLs and JSON bodies with 400. No name, id or setting holds
 * one, and PostgreSQL cannot store one in text: without this, a `%00` in a path parameter
 * reached the database and came back as a 500. Webhook bodies are raw bytes and are left
 * to their channel's parser.
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (ENCODED_NUL.test(request.url) || request.url.includes('\u0000')) {
      throw new AppError('BAD_REQUEST', 'the URL contains a NUL character (%00)');
    }
  });
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined && holdsNul(request.body)) {
      throw new AppError('BAD_REQUEST', 'a string in the request body contains a NUL character (\\u0000)');
    }
  });
}
