import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type RequestListener } from 'node:http';

/** How long the HTTP server waits for a client, in milliseconds. */
export interface ServerTimeouts {
  /** The request line and every header must have arrived by then. */
  headersMs: number;
  /**
   * The whole request, body included. Providers give up on a webhook after 15–20 s
   * (Twilio, Messenger), and Postmark's largest mail takes seconds from a data centre, so
   * a client still sending after this is trickling on purpose.
   */
  requestMs: number;
  /** An idle kept-alive connection is closed after this; longer than common load balancers' 60 s. */
  keepAliveMs: number;
  /** A connection on which nothing moves for this long is closed. */
  idleMs: number;
  /** How often the server looks for requests past `headersMs` or `requestMs`: the slack on both. */
  checkIntervalMs: number;
}

export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 60_000,
  keepAliveMs: 72_000,
  idleMs: 75_000,
  checkIntervalMs: 5_000,
};

/**
 * A Fastify `serverFactory` for a Node HTTP server with every timeout set. Node's own
 * defaults let a request take forever (Fastify sets `requestTimeout` to 0), so a client
 * trickling its body one byte at a time would hold a connection and its buffer for good.
 */
export function timedServerFactory(timeouts: ServerTimeouts): (handler: RequestListener) => http.Server {
  return (handler) => {
    const server = http.createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        connectionsCheckingInterval: timeouts.checkIntervalMs,
      },
      handler,
    );
    server.keepAliveTimeout = timeouts.keepAliveMs;
    server.setTimeout(timeouts.idleMs);
    return server;
  };
}

/** A request id a client may choose: short, and nothing that could break a log line. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of a request in the logs: the client's `x-request-id` when it is a plausible id
 * (so a provider's or proxy's id can be followed), a fresh UUID otherwise.
 */
export function requestIdOf(request: IncomingMessage): string {
  const offered = request.headers['x-request-id'];
  return typeof offered === 'string' && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
}

/**
 * What a request log line says about the request. The URL is logged without its query:
 * query values can be secrets (Meta's `hub.verify_token`).
 */
export function requestLogFields(request: {
  method: string;
  url: string;
  host?: string;
  ip?: string;
}): Record<string, string | undefined> {
  return {
    method: request.method,
    url: request.url.split('?')[0],
    host: request.host,
    remoteAddress: request.ip,
  };
}
