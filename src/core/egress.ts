// The egress guard: the one way to connect to a destination a tenant configured (a model
// server, a mail or calendar server, a collector, and every later connector). Operator-set
// provider endpoints (TELEGRAM_API_ROOT and the like) do not go through it.
import { createEgressFetch } from './egress-fetch.ts';
import { checkDestination, type EgressRule, type Resolver, systemResolver } from './egress-policy.ts';

export { EgressRefused, type EgressRule, parseEgressAllow, type Resolver } from './egress-policy.ts';

export interface Egress {
  /**
   * Resolves `host` once and checks every address. Returns the address to connect to; a
   * socket client (IMAP, SMTP) connects there with the TLS server name set to `host`.
   * Throws `EgressRefused`, or the resolver's error when the name does not resolve.
   */
  check(host: string, port: number): Promise<string>;
  /** A `fetch` whose connections reach only checked addresses and whose redirects stay on the host. */
  fetch: typeof fetch;
  /** Closes the fetch's idle connections. */
  close(): Promise<void>;
}

/**
 * The guard for one process. `allow` is the operator's `SWITCHBOARD_EGRESS_ALLOW`; `resolve`
 * is the system resolver unless a test injects one.
 */
export function createEgress(options: { allow: readonly EgressRule[]; resolve?: Resolver }): Egress {
  const resolve = options.resolve ?? systemResolver;
  const check = (host: string, port: number) => checkDestination(host, port, options.allow, resolve);
  const { fetch, close } = createEgressFetch(check);
  return { check, fetch, close };
}
