import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { parseRetryAfter, scrubSecrets } from '../provider-errors.ts';
import type { SendResult } from '../types.ts';

/**
 * Graph error codes that mean "too much, wait": 4 application, 17 user, 32 page, 613 call
 * rate; 80007 WhatsApp account rate; 130429 WhatsApp throughput; 131056 too many messages
 * to one WhatsApp user. Meta often sends them with HTTP 400 or 403, not 429.
 */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131056]);

/** Codes Meta documents as temporary outages: 1 unknown error, 2 service, 131016 WhatsApp service unavailable. */
const TRANSIENT_CODES = new Set([1, 2, 131016]);

const graphErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
    error_user_msg: z.string().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
  }),
});

/** Longest Graph error text quoted; the rest of a long message only buries the code. */
const MAX_DETAIL_LENGTH = 300;

/**
 * Maps a non-2xx Graph answer to a catalogue error the dispatcher can act on: HTTP 429 or a
 * rate-limit code → PROVIDER_RATE_LIMITED (with the `Retry-After` wait when Meta gives one),
 * 5xx or a transient code → PROVIDER_UNAVAILABLE, anything else → PROVIDER_REJECTED. `secrets`
 * are removed from the quoted text (Graph does not echo tokens, but a proxy in between might).
 */
export function graphError(
  status: number,
  body: unknown,
  headers: Headers,
  operation: string,
  secrets: string[],
): AppError {
  const parsed = graphErrorSchema.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  const code = error?.code;
  const detail = scrubSecrets(describe(status, error), secrets);
  if (status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'), Date.now());
    const wait = retryAfterMs === undefined ? '' : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
    return new AppError('PROVIDER_RATE_LIMITED', `Meta rate-limited ${operation} (${detail})${wait}`, {
      retryAfterMs,
    });
  }
  if (status >= 500 || error?.is_transient === true || (code !== undefined && TRANSIENT_CODES.has(code))) {
    return new AppError('PROVIDER_UNAVAILABLE', `Meta failed ${operation} (${detail})`);
  }
  return new AppError('PROVIDER_REJECTED', `Meta rejected ${operation} (${detail})`);
}

/** The failed receipt for whatever a send threw: catalogue errors as they are, anything else as INTERNAL. */
export function failedSend(error: unknown, channelName: string): SendResult {
  return {
    outcome: 'failed',
    error:
      error instanceof AppError
        ? error
        : new AppError('INTERNAL', `sending to ${channelName} failed unexpectedly`),
  };
}

/** "HTTP 400, code 131047: Re-engagement message: More than 24 hours have passed …". */
function describe(status: number, error: z.infer<typeof graphErrorSchema>['error'] | undefined): string {
  if (error === undefined) return `HTTP ${status}`;
  const code =
    error.code === undefined
      ? ''
      : `, code ${error.code}${error.error_subcode === undefined ? '' : `/${error.error_subcode}`}`;
  const details = error.error_data?.details ?? error.error_user_msg;
  const text = [error.message, details].filter(Boolean).join(': ');
  const shortened = text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH)}…` : text;
  return `HTTP ${status}${code}${shortened === '' ? '' : `: ${shortened}`}`;
}
