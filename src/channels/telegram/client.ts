import type { Api } from 'grammy';
import { lazyModule } from '../../core/lazy-module.ts';
import type { ProviderEnvironment } from '../types.ts';

/**
 * Longest a single Bot API call may take. grammY's default is 500 s, long enough for one
 * stuck connection to hold a dispatcher slot for minutes; a send normally answers in well
 * under a second.
 */
const TIMEOUT_SECONDS = 15;

/** grammY, imported when a Telegram tenant first needs it. */
export const loadGrammy = lazyModule(() => import('grammy'));

/**
 * A grammY `Api` for one bot, pointed at the environment's Bot API root (a loopback fake in
 * tests, a self-hosted Bot API server in some deployments) and using its `fetch`.
 * The token must already be checked with `readBotToken`, since it becomes part of the URL.
 */
export async function createTelegramApi(
  token: string,
  environment: ProviderEnvironment,
  options: { timeoutSeconds?: number } = {},
): Promise<Api> {
  const { Api } = await loadGrammy();
  return new Api(token, {
    // grammY refuses an apiRoot with a trailing slash.
    apiRoot: environment.telegramApiRoot.replace(/\/+$/, ''),
    fetch: environment.fetch,
    timeoutSeconds: options.timeoutSeconds ?? TIMEOUT_SECONDS,
  });
}
