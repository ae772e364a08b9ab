/**
 * A loopback fake of Postmark's server API: a real HTTP server on 127.0.0.1 that answers
 * `POST /email`, `GET /server` and the outbound message search `GET /messages/outbound`
 * (`count` and `offset` required; filtered by `recipient` and by `metadata_<key>`) in
 * Postmark's wire format, so the official `postmark`
 * client (or a gateway given `POSTMARK_API_URL=fake.url`) talks to it unchanged.
 *
 * Requests must carry `X-Postmark-Server-Token` with a token the fake knows, else 401 with
 * ErrorCode 10, as Postmark answers. A send without From, To or a body is 422 with
 * ErrorCode 300. Accepted emails get a fresh UUID `MessageID`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, writeJson } from './http.ts';

/** A token in Postmark's shape (a UUID) that the fake accepts by default. */
export const FAKE_SERVER_TOKEN = '00000000-0000-4000-8000-00000000f00d';

/** The name `GET /server` reports. */
export const FAKE_SERVER_NAME = 'Switchboard Test Server';

/** One request the fake received, recorded before it is answered (also when it fails). */
export interface FakePostmarkCall {
  method: string;
  path: string;
  token: string | undefined;
  body: Record<string, unknown>;
}

/** An email the fake accepted through `POST /email`. */
export interface FakePostmarkEmail {
  MessageID: string;
  From: string;
  To: string;
  Subject: string;
  TextBody: string;
  MessageStream: string | undefined;
  /** The custom headers, by name. */
  headers: Record<string, string>;
  /** The send's `Metadata`, which the outbound search filters by. */
  metadata: Record<string, string>;
  /** When the fake accepted it. */
  receivedAt: Date;
}

/** A scripted answer for one future call of a route. */
export interface ScriptedFailure {
  /** HTTP status, e.g. 429, 500, 422. `0` destroys the connection without an answer. */
  status: number;
  /** Postmark's `ErrorCode`; defaults to the status for errors Postmark gives no code. */
  errorCode?: number;
  /** Postmark's `Message`. */
  message?: string;
  /** Seconds for a `Retry-After` header. */
  retryAfter?: number;
  /** Wait this long before answering, e.g. to exceed a client timeout. */
  delayMs?: number;
}

/** The routes the fake serves; scripted failures and delays are per route. */
export type FakePostmarkRoute = 'email' | 'server' | 'outbound-search';

/** A running fake; see the module comment. */
export interface FakePostmark {
  /** Pass as the gateway's `POSTMARK_API_URL`; no trailing slash. */
  url: string;
  calls: FakePostmarkCall[];
  /** Emails accepted, in order. */
  sent(): FakePostmarkEmail[];
  /** Queues scripted failures: the next calls of `route` get these answers, one each, in order. */
  fail(route: FakePostmarkRoute, responses: ScriptedFailure[]): void;
  /**
   * Holds back every later answer for `route` by `ms` (0 to stop). The call takes effect at
   * once and only its answer is late, as when Postmark accepted an email but answered slowly.
   */
  delay(route: FakePostmarkRoute, ms: number): void;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

/** Starts a fake Postmark API on a free loopback port. */
export async function startFakePostmark(options: { tokens?: string[] } = {}): Promise<FakePostmark> {
  const tokens = new Set(options.tokens ?? [FAKE_SERVER_TOKEN]);
  const calls: FakePostmarkCall[] = [];
  const accepted: FakePostmarkEmail[] = [];
  const scripted = new Map<FakePostmarkRoute, ScriptedFailure[]>();
  const delays = new Map<FakePostmarkRoute, number>();
  const timers = new Set<NodeJS.Timeout>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  function sendEmail(body: Record<string, unknown>): Answer {
    const { From, To, Subject, TextBody, HtmlBody, MessageStream, Headers, Metadata } = body;
    if (typeof From !== 'string' || From === '') return error(422, 300, "Invalid 'From' address.");
    if (typeof To !== 'string' || To === '') return error(422, 300, 'Zero recipients specified');
    if (typeof TextBody !== 'string' && typeof HtmlBody !== 'string') {
      return error(422, 300, 'Provide either email TextBody or HtmlBody or both.');
    }
    const headers: Record<string, string> = {};
    for (const header of Array.isArray(Headers) ? Headers : []) {
      const { Name, Value } = header as { Name?: unknown; Value?: unknown };
      if (typeof Name === 'string' && typeof Value === 'string') headers[Name] = Value;
    }
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries((Metadata ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'string') metadata[key] = value;
    }
    const MessageID = randomUUID();
    accepted.push({
      MessageID,
      From,
      To,
      Subject: typeof Subject === 'string' ? Subject : '',
      TextBody: typeof TextBody === 'string' ? TextBody : '',
      MessageStream: typeof MessageStream === 'string' ? MessageStream : undefined,
      headers,
      metadata,
      receivedAt: new Date(),
    });
    return {
      status: 200,
      body: { To, SubmittedAt: new Date().toISOString(), MessageID, ErrorCode: 0, Message: 'OK' },
    };
  }

  /** The outbound search: newest first, with Postmark's paging parameters required. */
  function searchOutbound(query: URLSearchParams): Answer {
    const count = Number(query.get('count'));
    const offset = Number(query.get('offset'));
    if (!Number.isInteger(count) || count < 1 || count > 500 || !Number.isInteger(offset) || offset < 0) {
      return error(422, 1000, 'The count and offset parameters are required (count 1 to 500).');
    }
    const recipient = query.get('recipient');
    const metadata = [...query.entries()]
      .filter(([name]) => name.startsWith('metadata_'))
      .map(([name, value]) => [name.slice('metadata_'.length), value] as const);
    const matching = accepted
      .filter(
        (email) =>
          (recipient === null || email.To.toLowerCase().includes(recipient.toLowerCase())) &&
          metadata.every(([key, value]) => email.metadata[key] === value),
      )
      .reverse();
    return {
      status: 200,
      body: {
        TotalCount: matching.length,
        Messages: matching.slice(offset, offset + count).map((email) => ({
          Tag: '',
          MessageID: email.MessageID,
          MessageStream: email.MessageStream ?? 'outbound',
          To: [{ Email: email.To, Name: null }],
          Cc: [],
          Bcc: [],
          Recipients: [email.To],
          ReceivedAt: email.receivedAt.toISOString(),
          From: email.From,
          Subject: email.Subject,
          Attachments: [],
          Status: 'Sent',
          TrackOpens: false,
          TrackLinks: 'None',
          Metadata: email.metadata,
          Sandboxed: false,
        })),
      },
    };
  }

  function routeOf(method: string, path: string): FakePostmarkRoute | undefined {
    if (method === 'POST' && path === '/email') return 'email';
    if (method === 'GET' && path === '/server') return 'server';
    if (method === 'GET' && path === '/messages/outbound') return 'outbound-search';
    return undefined;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://fake-postmark');
    const path = url.pathname;
    const raw = await readBody(request);
    const token = request.headers['x-postmark-server-token'];
    let body: Record<string, unknown> = {};
    try {
      body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      return writeJson(response, error(422, 402, 'Received invalid JSON input.'));
    }
    calls.push({ method, path, token: typeof token === 'string' ? token : undefined, body });
    const route = routeOf(method, path);
    if (route === undefined) return writeJson(response, error(404, 404, 'Not found'));
    if (typeof token !== 'string' || !tokens.has(token)) {
      return writeJson(response, error(401, 10, 'Request does not contain a valid Server token.'));
    }
    const next = scripted.get(route)?.shift();
    if (next !== undefined) {
      if (next.delayMs) await wait(next.delayMs);
      if (next.status === 0) {
        request.socket.destroy();
        return;
      }
      const answer = error(
        next.status,
        next.errorCode ?? next.status,
        next.message ?? `Scripted ${next.status}`,
      );
      return writeJson(response, {
        ...answer,
        ...(next.retryAfter === undefined ? {} : { headers: { 'retry-after': String(next.retryAfter) } }),
      });
    }
    if (route === 'server') {
      return writeJson(response, {
        status: 200,
        body: { ID: 1, Name: FAKE_SERVER_NAME, ApiTokens: [token], Color: 'blue', InboundHookUrl: '' },
      });
    }
    const answer = route === 'email' ? sendEmail(body) : searchOutbound(url.searchParams);
    const delayMs = delays.get(route);
    if (delayMs) await wait(delayMs);
    writeJson(response, answer);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((failure: unknown) => {
      writeJson(response, error(500, 500, `fake failed: ${String(failure)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    sent: () => [...accepted],
    fail(route, responses) {
      scripted.set(route, [...(scripted.get(route) ?? []), ...responses]);
    },
    delay(route, ms) {
      delays.set(route, ms);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((failure) => (failure ? reject(failure) : resolve())),
      );
    },
  };
}

function error(status: number, errorCode: number, message: string): Answer {
  return { status, body: { ErrorCode: errorCode, Message: message } };
}
