/**
 * A loopback fake of the Telegram Bot API: a real HTTP server on 127.0.0.1 that answers
 * `POST|GET /bot<token>/<method>` in Telegram's wire format, so the real grammY client (or a
 * separate gateway process given `TELEGRAM_API_ROOT=fake.apiRoot`) talks to it unchanged.
 *
 * Methods: getMe, setWebhook, deleteWebhook, sendMessage, sendChatAction,
 * answerCallbackQuery. Bodies may be JSON, form-encoded, or query parameters (no multipart
 * uploads). Answers are `{ok:true,result}` or `{ok:false,error_code,description,parameters?}`
 * with the matching HTTP status; a token the fake does not know gets 401 "Unauthorized".
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, writeJson } from './http.ts';

/** A token in BotFather's shape; its number is the bot id, as with real tokens. */
export const FAKE_BOT_TOKEN = '7000000001:fake-token_for-tests';

/** The username of the fixtures' bot (`gateway_test_bot`). */
export const FAKE_BOT_USERNAME = 'gateway_test_bot';

/**
 * Outbound message ids start high so they never collide with the small ids of inbound
 * fixtures in the same chat (on real Telegram both share one sequence per chat).
 */
const FIRST_MESSAGE_ID = 100_001;

const MAX_TEXT_LENGTH = 4096;

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/** One request the fake received, recorded before it is answered (also when it fails). */
export interface FakeTelegramCall {
  token: string;
  method: string;
  body: Record<string, unknown>;
}

/** A message the fake accepted through sendMessage. */
export interface FakeTelegramMessage {
  chat_id: string;
  text: string;
  message_id: number;
}

/** A scripted answer for one future call of a method. */
export interface ScriptedFailure {
  /**
   * HTTP status and `error_code` to answer with, e.g. 429, 500, 403. `0` destroys the
   * connection without an answer, like a crash or a reset on the way.
   */
  status: number;
  /** Telegram's `description`; defaults to the status text, e.g. "Too Many Requests". */
  description?: string;
  /** Seconds for `parameters.retry_after` (Telegram sends it with 429). */
  retryAfter?: number;
  /** Wait this long before failing, e.g. to exceed a client timeout. */
  delayMs?: number;
}

/** A running fake; see the module comment. */
export interface FakeTelegram {
  /** Pass as grammY's `apiRoot` or the gateway's `TELEGRAM_API_ROOT`; no trailing slash. */
  apiRoot: string;
  /** Every call received, in order, with its decoded body. */
  calls: FakeTelegramCall[];
  /** Messages sendMessage accepted, in order. */
  sent(): FakeTelegramMessage[];
  /** Queues scripted failures: the next calls of `method` get these answers, one each, in order. */
  fail(method: string, responses: ScriptedFailure[]): void;
  /**
   * Holds back every later answer for `method` by `ms` (0 to stop). The call takes effect
   * at once and only its answer is late, as when Telegram delivered but the reply was slow.
   */
  delay(method: string, ms: number): void;
  /** Stops the server, dropping open connections and pending answers. */
  close(): Promise<void>;
}

export interface FakeTelegramOptions {
  /** Tokens the fake accepts; default `[FAKE_BOT_TOKEN]`. */
  tokens?: string[];
  /** Username getMe reports for every bot; default `FAKE_BOT_USERNAME`. */
  botUsername?: string;
}

type Answer = { status: number; body: unknown };

/** Starts a fake Bot API on a free loopback port. */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const tokens = new Set(options.tokens ?? [FAKE_BOT_TOKEN]);
  const botUsername = options.botUsername ?? FAKE_BOT_USERNAME;
  const calls: FakeTelegramCall[] = [];
  const sentMessages: FakeTelegramMessage[] = [];
  const nextMessageIds = new Map<string, number>();
  const scripted = new Map<string, ScriptedFailure[]>();
  const delays = new Map<string, number>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      pendingTimers.add(timer);
    });

  function botUser(token: string): Record<string, unknown> {
    return {
      id: Number(token.split(':')[0]),
      is_bot: true,
      first_name: 'Gateway Test Bot',
      username: botUsername,
    };
  }

  /** Runs a method against the fake's state; the answer Telegram would give. */
  function perform(token: string, method: string, body: Record<string, unknown>): Answer {
    switch (method) {
      case 'getMe':
        return success({ ...botUser(token), can_join_groups: true, can_read_all_group_messages: false });
      case 'setWebhook':
        if (typeof body.url !== 'string') return failure(400, 'Bad Request: bad webhook: URL is missing');
        return success(true, 'Webhook was set');
      case 'deleteWebhook':
        return success(true, 'Webhook was deleted');
      case 'sendChatAction':
        if (body.chat_id === undefined || typeof body.action !== 'string') {
          return failure(400, 'Bad Request: chat_id and action are required');
        }
        return success(true);
      case 'answerCallbackQuery':
        if (typeof body.callback_query_id !== 'string')
          return failure(400, 'Bad Request: query id is missing');
        return success(true);
      case 'sendMessage':
        return sendMessage(token, body);
      default:
        return failure(404, 'Not Found');
    }
  }

  function sendMessage(token: string, body: Record<string, unknown>): Answer {
    const chatId = body.chat_id;
    const text = body.text;
    if (typeof chatId !== 'string' && typeof chatId !== 'number')
      return failure(400, 'Bad Request: chat_id is empty');
    if (typeof text !== 'string' || text.trim() === '')
      return failure(400, 'Bad Request: message text is empty');
    if (text.length > MAX_TEXT_LENGTH) return failure(400, 'Bad Request: message is too long');
    const chatKey = String(chatId);
    const messageId = nextMessageIds.get(chatKey) ?? FIRST_MESSAGE_ID;
    nextMessageIds.set(chatKey, messageId + 1);
    sentMessages.push({ chat_id: chatKey, text, message_id: messageId });
    // Numeric chat ids come back as numbers, as Telegram returns them.
    const chat = /^-?\d+$/.test(chatKey)
      ? { id: Number(chatKey), type: 'private' }
      : { id: chatKey, type: 'private' };
    return success({
      message_id: messageId,
      from: botUser(token),
      chat,
      date: Math.floor(Date.now() / 1000),
      text,
    });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake-telegram');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (match === null) return writeJson(response, failure(404, 'Not Found'));
    const token = decodeURIComponent(match[1]!);
    const method = match[2]!;
    const decoded = decodeBody(request, await readBody(request));
    if (decoded === undefined)
      return writeJson(response, failure(400, "Bad Request: can't parse request body"));
    const body = { ...Object.fromEntries(url.searchParams), ...decoded };
    calls.push({ token, method, body });
    if (!tokens.has(token)) return writeJson(response, failure(401, 'Unauthorized'));

    const next = scripted.get(method)?.shift();
    if (next !== undefined) {
      if (next.delayMs) await wait(next.delayMs);
      if (next.status === 0) {
        request.socket.destroy();
        return;
      }
      const description = next.description ?? STATUS_DESCRIPTIONS[next.status] ?? 'Error';
      return writeJson(response, failure(next.status, description, next.retryAfter));
    }
    const answer = perform(token, method, body);
    const delayMs = delays.get(method);
    if (delayMs) await wait(delayMs);
    writeJson(response, answer);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      writeJson(response, failure(500, `Internal Server Error: fake failed: ${String(error)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    sent: () => [...sentMessages],
    fail(method, responses) {
      scripted.set(method, [...(scripted.get(method) ?? []), ...responses]);
    },
    delay(method, ms) {
      delays.set(method, ms);
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function success(result: unknown, description?: string): Answer {
  return {
    status: 200,
    body: description === undefined ? { ok: true, result } : { ok: true, result, description },
  };
}

function failure(status: number, description: string, retryAfter?: number): Answer {
  const parameters = retryAfter === undefined ? {} : { parameters: { retry_after: retryAfter } };
  return { status, body: { ok: false, error_code: status, description, ...parameters } };
}

/**
 * JSON or form-encoded, as the Bot API accepts both; form values holding JSON are decoded.
 * Undefined when a JSON body does not parse to an object.
 */
function decodeBody(request: IncomingMessage, raw: string): Record<string, unknown> | undefined {
  if (raw === '') return {};
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.includes('application/json')) {
    const parsed = parseJsonOr(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = /^[[{]/.test(value) ? parseJsonOr(value) : value;
  }
  return body;
}

function parseJsonOr(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
