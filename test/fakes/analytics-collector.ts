/**
 * A loopback fake of an external analytics collector that speaks the seed client's protocol:
 * `POST /analytics/track/view`, `/analytics/track/engagement` and `/analytics/track` with a
 * JSON body and `X-Write-Key`. It answers 401 to another key, 400 to an empty body (what
 * the connection test expects) and 200 otherwise, unless a failure was scripted.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http.ts';

const PATHS = new Set(['/analytics/track/view', '/analytics/track/engagement', '/analytics/track']);

/** One request the fake accepted (answered 200). */
export interface CollectedEvent {
  path: string;
  body: Record<string, unknown>;
}

/** A scripted answer for one future request: a status, after an optional delay. */
export interface CollectorFailure {
  status: number;
  /** Wait this long before answering, e.g. to exceed the sender's timeout. */
  delayMs?: number;
}

export interface FakeCollector {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:45678 */
  url: string;
  writeKey: string;
  /** Requests answered 200, in order. */
  accepted: CollectedEvent[];
  /** Every request received, accepted or not. */
  attempts: number;
  /** The next requests get these answers, one each, in order. */
  fail(failures: CollectorFailure[]): void;
  close(): Promise<void>;
}

export async function startFakeCollector(writeKey = 'external-write-key-0123456789'): Promise<FakeCollector> {
  const accepted: CollectedEvent[] = [];
  const scripted: CollectorFailure[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let attempts = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    attempts += 1;
    const answer = (status: number) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: status < 300 }));
    };
    const failure = scripted.shift();
    if (failure) {
      if (failure.delayMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, failure.delayMs);
          timers.add(timer);
        });
      }
      if (!response.destroyed) answer(failure.status);
      return;
    }
    const path = request.url ?? '';
    if (request.method !== 'POST' || !PATHS.has(path)) return answer(404);
    if (request.headers['x-write-key'] !== writeKey) return answer(401);
    const body = JSON.parse(text || '{}') as Record<string, unknown>;
    if (Object.keys(body).length === 0) return answer(400);
    accepted.push({ path, body });
    answer(200);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    writeKey,
    accepted,
    get attempts() {
      return attempts;
    },
    fail(failures) {
      scripted.push(...failures);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
