import { AppError } from '../../core/errors.ts';
import { describeCauses, scrubSecrets } from '../provider-errors.ts';
import { loadGrammy } from './client.ts';

const TOKEN_PLACEHOLDER = '<bot-token>';

/**
 * Removes the bot token from text bound for a log or an API client. grammY's errors may
 * quote the request URL (`…/bot<token>/sendMessage`), so both the known token and anything
 * in that URL position are replaced.
 */
export function scrubToken(text: string, token: string | undefined): string {
  const withoutToken = scrubSecrets(text, [token], TOKEN_PLACEHOLDER);
  return withoutToken.replace(/\/bot[^/\s]+\//g, `/bot${TOKEN_PLACEHOLDER}/`);
}

/**
 * Maps whatever a Bot API call threw to a catalogue error the dispatcher can act on:
 * 429 → PROVIDER_RATE_LIMITED (with `retryAfterMs`), 5xx or a non-JSON answer →
 * PROVIDER_UNAVAILABLE, other error codes → PROVIDER_REJECTED, no answer → NETWORK_ERROR.
 * The original error is not attached as `cause` because it can carry the token.
 */
export function toTelegramError(error: unknown, method: string, token: string | undefined): AppError {
  if (error instanceof AppError) return error;
  // grammY's errors exist only once grammY is loaded.
  const grammy = loadGrammy.loaded();
  if (grammy && error instanceof grammy.GrammyError) {
    const detail = scrubToken(`${error.error_code}: ${error.description}`, token);
    if (error.error_code === 429) {
      const retryAfterSeconds = error.parameters.retry_after;
      const wait = retryAfterSeconds === undefined ? '' : `; retry after ${retryAfterSeconds} s`;
      return new AppError('PROVIDER_RATE_LIMITED', `Telegram rate-limited ${method} (${detail})${wait}`, {
        retryAfterMs: retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
      });
    }
    if (error.error_code >= 500) {
      return new AppError('PROVIDER_UNAVAILABLE', `Telegram failed ${method} (${detail})`);
    }
    return new AppError('PROVIDER_REJECTED', `Telegram rejected ${method} (${detail})`);
  }
  if (grammy && error instanceof grammy.HttpError) {
    // The body of a proxy error page or a half-written answer does not parse as JSON.
    if (error.error instanceof SyntaxError) {
      return new AppError(
        'PROVIDER_UNAVAILABLE',
        `Telegram answered ${method} with something that is not JSON`,
      );
    }
    const reason = scrubToken(describeCauses(error.error), token);
    return new AppError('NETWORK_ERROR', `could not reach Telegram for ${method} (${reason})`);
  }
  return new AppError(
    'INTERNAL',
    `calling Telegram ${method} failed: ${scrubToken(describeCauses(error), token)}`,
  );
}
