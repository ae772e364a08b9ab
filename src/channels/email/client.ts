import type { ServerClient } from 'postmark';
import { lazyModule } from '../../core/lazy-module.ts';
import { parseRetryAfter } from '../provider-errors.ts';
import type { ProviderEnvironment } from '../types.ts';

/**
 * Longest a single API call may take. The client's default is three minutes, long enough for
 * one stuck connection to hold a dispatcher slot; a send normally answers in well under a second.
 */
const TIMEOUT_SECONDS = 15;

/** Postmark's client, imported when an email tenant first needs it. */
const loadPostmark = lazyModule(() => import('postmark'));

/** A Postmark client for one server token, and what the last answer said about waiting. */
export interface PostmarkConnection {
  client: ServerClient;
  /** The `Retry-After` of the last answer, in milliseconds, when it carried one. */
  retryAfterMs(): number | undefined;
}

/**
 * The official client pointed at the environment's Postmark API base (a loopback fake in
 * tests, a proxy in some deployments): the client builds URLs as
 * `http(s)://<requestHost><path>`, so the base URL's host and path become `requestHost` and
 * its scheme `useHttps`. Requests go through the environment's `fetch`, which also lets us
 * read `Retry-After`, a header the client's errors do not carry.
 */
export async function createPostmarkConnection(
  token: string,
  environment: ProviderEnvironment,
): Promise<PostmarkConnection> {
  const { ServerClient } = await loadPostmark();
  const base = new URL(environment.postmarkApiUrl);
  let retryAfterMs: number | undefined;
  const client = new ServerClient(token, {
    useHttps: base.protocol === 'https:',
    requestHost: `${base.host}${base.pathname.replace(/\/+$/, '')}`,
    timeout: TIMEOUT_SECONDS,
    fetch: async (input, init) => {
      const response = await environment.fetch(input, init);
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      return response;
    },
  });
  return { client, retryAfterMs: () => retryAfterMs };
}
