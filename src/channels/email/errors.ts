// The error classes' own module: the package's entry point loads the whole client.
import * as Errors from 'postmark/dist/client/errors/Errors.js';
import { AppError } from '../../core/errors.ts';
import { scrubSecrets } from '../provider-errors.ts';

/** Postmark's ErrorCode for a server token it does not know. */
const INVALID_TOKEN_CODE = 10;

/**
 * Maps whatever a Postmark call threw to a catalogue error the dispatcher can act on:
 * 429 → PROVIDER_RATE_LIMITED (with `retryAfterMs` when Postmark sent `Retry-After`), 5xx →
 * PROVIDER_UNAVAILABLE, no answer (refused, reset, timed out) → NETWORK_ERROR, any other
 * status (401 token, 422 invalid request or inactive recipient) → PROVIDER_REJECTED. The
 * token is scrubbed from the message and the original error is not attached, because it
 * could quote request details.
 */
export function toPostmarkError(
  error: unknown,
  action: string,
  options: { token?: string; retryAfterMs?: number } = {},
): AppError {
  if (error instanceof AppError) return error;
  const scrub = (text: string) => scrubSecrets(text, [options.token], '<server-token>');
  if (!(error instanceof Errors.PostmarkError)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new AppError('INTERNAL', `calling Postmark to ${action} failed: ${scrub(reason)}`);
  }
  const detail = scrub(`${error.statusCode}: ${error.message}`);
  if (error.statusCode === 0) {
    return new AppError('NETWORK_ERROR', `could not reach Postmark to ${action} (${scrub(error.message)})`);
  }
  if (error.statusCode === 429) {
    const wait = options.retryAfterMs === undefined ? '' : `; retry after ${options.retryAfterMs / 1000} s`;
    return new AppError(
      'PROVIDER_RATE_LIMITED',
      `Postmark rate-limited the request to ${action} (${detail})${wait}`,
      {
        retryAfterMs: options.retryAfterMs,
      },
    );
  }
  if (error.statusCode >= 500) {
    return new AppError('PROVIDER_UNAVAILABLE', `Postmark failed to ${action} (${detail})`);
  }
  if (error.statusCode === 401 || error.code === INVALID_TOKEN_CODE) {
    return new AppError(
      'PROVIDER_REJECTED',
      `Postmark does not accept the server token; copy it again from the server's API Tokens tab (${detail})`,
    );
  }
  return new AppError(
    'PROVIDER_REJECTED',
    `Postmark refused to ${action} (ErrorCode ${error.code}, ${detail})`,
  );
}
