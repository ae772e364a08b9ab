import type { Api } from 'grammy';
import type { Dispatcher } from 'undici';
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

/** undici, whose `request` the sends use (see `sendingFetch`). */
const loadUndici = lazyModule(() => import('undici'));

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
  return apiWith(token, environment, environment.fetch, options.timeoutSeconds ?? TIMEOUT_SECONDS);
}

async function apiWith(
  token: string,
  environment: ProviderEnvironment,
  fetch: typeof globalThis.fetch,
  timeoutSeconds: number,
): Promise<Api> {
  const { Api } = await loadGrammy();
  return new Api(token, {
    // grammY refuses an apiRoot with a trailing slash.
    apiRoot: environment.telegramApiRoot.replace(/\/+$/, ''),
    fetch,
    timeoutSeconds,
  });
}

/** What one environment's sends share: a connection pool and an `Api` per bot and timeout. */
interface Senders {
  fetch: Promise<typeof globalThis.fetch>;
  apis: Map<string, Promise<Api>>;
}

// Per environment (one per gateway; tests make their own), so a test's fake and pool never
// serve another's. Collected with the environment.
const sendersByEnvironment = new WeakMap<ProviderEnvironment, Senders>();

/** Bots whose `Api` an environment keeps; beyond it, the map starts again (a new one is cheap). */
const MAX_CACHED_APIS = 1_000;

/**
 * The `Api` a send uses: made once per bot token and timeout, not per send, and calling the
 * Bot API through `sendingFetch`. Same wire format and errors as `createTelegramApi`'s.
 */
export function sendingApi(
  token: string,
  environment: ProviderEnvironment,
  options: { timeoutSeconds?: number } = {},
): Promise<Api> {
  let senders = sendersByEnvironment.get(environment);
  if (senders === undefined) {
    senders = { fetch: sendingFetch(environment.fetch), apis: new Map<string, Promise<Api>>() };
    sendersByEnvironment.set(environment, senders);
  }
  const timeoutSeconds = options.timeoutSeconds ?? TIMEOUT_SECONDS;
  const key = `${timeoutSeconds}:${token}`;
  let api = senders.apis.get(key);
  if (api === undefined) {
    if (senders.apis.size >= MAX_CACHED_APIS) senders.apis.clear();
    const { fetch } = senders;
    api = fetch.then((chosen) => apiWith(token, environment, chosen, timeoutSeconds));
    // A failed import is not kept: the next send tries again.
    api.catch(() => senders.apis.delete(key));
    senders.apis.set(key, api);
  }
  return api;
}

/**
 * The `fetch` grammY sends with. The global `fetch` builds a WHATWG Request, body and
 * response streams and an AbortController for every call, and grammY's abort-signal polyfill
 * makes it throw and catch an error each time: about three times the CPU of the same POST
 * through undici's `request` on a keep-alive pool (bench/README.md, "Deliver job on the
 * driver"). So when the environment's `fetch` is the global one, the calls go through
 * `request`; grammY only reads the answer's JSON. Any other `fetch` (a test's, a proxy's) is
 * used as given.
 */
async function sendingFetch(fetch: typeof globalThis.fetch): Promise<typeof globalThis.fetch> {
  if (fetch !== globalThis.fetch) return fetch;
  const { Agent, request } = await loadUndici();
  const pool = new Agent();
  const post = async (url: string | URL | Request, init?: RequestInit) => {
    const response = await request(String(url), {
      method: (init?.method ?? 'POST') as Dispatcher.HttpMethod,
      headers: init?.headers as Record<string, string>,
      // JSON text, or a multipart stream for a file upload.
      body: init?.body as Dispatcher.DispatchOptions['body'],
      // grammY's timeout aborts through this signal.
      signal: init?.signal ?? undefined,
      dispatcher: pool,
    });
    return { json: () => response.body.json() };
  };
  return post as unknown as typeof globalThis.fetch;
}
