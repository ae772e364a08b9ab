// The egress guard's `fetch`: every connection goes to the address the policy checked, with
// no second lookup, and redirects are followed only on the checked host.
import { isIP } from 'node:net';
import { EgressRefused } from './egress-policy.ts';
import { lazyModule } from './lazy-module.ts';

/** Resolves and checks a destination; returns the address to connect to or throws `EgressRefused`. */
export type CheckDestination = (host: string, port: number) => Promise<string>;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** The refusal inside undici's "fetch failed" TypeError, so callers see why. */
function unwrapRefusal(error: unknown): unknown {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof EgressRefused ? cause : error;
}

/** 303, and 301/302 after a POST, continue as GET without a body (the Fetch standard's rule). */
function becomesGet(status: number, method: string): boolean {
  return (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
}

/**
 * A `fetch` (undici's, with a dispatcher whose connector asks `check` for every new
 * connection) that follows at most five redirects, each on the same host name and never
 * from https down to http; any other redirect throws `EgressRefused`. Takes a URL or a
 * string as input, which is what the SDKs we hand it pass.
 */
export function createEgressFetch(check: CheckDestination): { fetch: typeof fetch; close(): Promise<void> } {
  // undici and the dispatcher are made on the first fetch: not every gateway fetches at all,
  // and undici costs about 100 ms at start-up.
  const loadUndici = lazyModule(async () => {
    const { Agent, buildConnector, fetch } = await import('undici');
    return { fetch, dispatcher: dispatcherOf(Agent, buildConnector, check) };
  });

  async function egressFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    if (typeof input !== 'string' && !(input instanceof URL)) {
      throw new TypeError('the egress fetch takes a URL, not a Request');
    }
    const { fetch: undiciFetch, dispatcher } = await loadUndici();
    let url = new URL(input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    for (let redirects = 0; ; redirects += 1) {
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        response = await undiciFetch(url, {
          ...(init as Parameters<typeof undiciFetch>[1]),
          method,
          body: body as never,
          redirect: 'manual',
          dispatcher,
        });
      } catch (error) {
        throw unwrapRefusal(error);
      }
      const location = response.headers.get('location');
      if (init.redirect === 'manual' || !REDIRECT_STATUSES.has(response.status) || !location) {
        return response as unknown as Response;
      }
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.hostname !== url.hostname || (url.protocol === 'https:' && next.protocol !== 'https:')) {
        throw new EgressRefused(`a redirect from ${url.hostname} to another host is refused`);
      }
      if (init.redirect === 'error' || redirects >= MAX_REDIRECTS) {
        throw new TypeError(`too many redirects from ${url.hostname}`);
      }
      if (becomesGet(response.status, method)) {
        method = 'GET';
        body = undefined;
      } else if (body instanceof ReadableStream) {
        throw new TypeError('a streamed body cannot follow a redirect');
      }
      url = next;
    }
  }

  return {
    fetch: egressFetch as typeof fetch,
    close: async () => {
      await loadUndici.loaded()?.dispatcher.close();
    },
  };
}

/** undici's dispatcher whose connector asks `check` for every new connection and connects to the address it returns. */
function dispatcherOf(
  Agent: typeof import('undici').Agent,
  buildConnector: typeof import('undici').buildConnector,
  check: CheckDestination,
) {
  const connectTo = buildConnector({});
  return new Agent({
    connect(options, callback) {
      const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
      check(options.hostname, port).then(
        (address) =>
          connectTo(
            {
              ...options,
              hostname: address,
              // TLS still verifies the certificate against the name that was asked for.
              ...(isIP(options.hostname) ? {} : { servername: options.servername || options.hostname }),
            },
            callback,
          ),
        (error: Error) => callback(error, null),
      );
    },
  });
}
