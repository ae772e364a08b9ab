/**
 * A loopback fake of an OpenAI-compatible server: a real HTTP server on 127.0.0.1 that
 * answers `POST /v1/chat/completions` in the Chat Completions wire format (see
 * ../shared/fixtures/openai/chat_response_tool_calls.json) with SCRIPTED responses, one per
 * request in order, and `GET /v1/models` for connection tests. The real `openai` package
 * talks to it unchanged with `baseURL: fake.baseUrl`.
 *
 * A request without a scripted response gets a 500 whose message says so, and is counted in
 * `unscripted`, so a test that expected fewer requests fails visibly.
 */

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http.ts';

/** The key the fake accepts; any other gets 401 like OpenAI. */
export const FAKE_OPENAI_KEY = 'sk-fake-0123456789';

/** Tokens a scripted answer reports in `usage`; 100 prompt and 20 completion tokens when left out. */
export interface ScriptedUsage {
  promptTokens: number;
  completionTokens: number;
}

/** One scripted answer to one chat completion request. */
export type ScriptedResponse =
  /** The model asks for tools; `arguments` is sent as given (malformed JSON is allowed). */
  | { toolCalls: Array<{ name: string; arguments: string }>; content?: string; usage?: ScriptedUsage }
  /** The model answers in text; `finishReason: 'length'` is an answer cut at `max_tokens`. */
  | { text: string; usage?: ScriptedUsage; finishReason?: 'stop' | 'length' }
  /** An error status; 429 may carry `retry-after` (seconds). */
  | { status: number; retryAfterSeconds?: number }
  /** An answer that arrives only after `delayMs` (to exceed the client's timeout). */
  | { delayMs: number; response: ScriptedResponse };

/** A chat completion request as the fake received it. */
export interface ChatRequest {
  authorization: string | undefined;
  body: {
    model: string;
    messages: Array<{ role: string; content?: string | null; tool_call_id?: string; tool_calls?: unknown[] }>;
    tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
    tool_choice?: unknown;
    temperature?: number;
    max_tokens?: number;
  };
}

export interface FakeOpenAi {
  /** The base URL for the SDK (`…/v1`). */
  baseUrl: string;
  /** Every chat completion request, in order, including failed and timed-out ones. */
  requests: ChatRequest[];
  /** Requests that found no scripted response. */
  unscripted: number;
  /** Appends responses to the script. */
  script(...responses: ScriptedResponse[]): void;
  /** Responses still waiting for a request. */
  remaining(): number;
  close(): Promise<void>;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

let sequence = 0;

function completion(
  model: string,
  message: Record<string, unknown>,
  finishReason: string,
  usage: ScriptedUsage = { promptTokens: 100, completionTokens: 20 },
) {
  sequence += 1;
  return {
    id: `chatcmpl-FAKE${String(sequence).padStart(24, '0')}`,
    object: 'chat.completion',
    created: 1767268800,
    model,
    choices: [
      {
        index: 0,
        message: { refusal: null, annotations: [], ...message },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    },
    system_fingerprint: 'fp_fake0001',
  };
}

function answer(response: ServerResponse, scripted: ScriptedResponse, model: string): void {
  if ('delayMs' in scripted) {
    const timer = setTimeout(() => answer(response, scripted.response, model), scripted.delayMs);
    response.on('close', () => clearTimeout(timer));
    return;
  }
  if ('status' in scripted) {
    const headers: Record<string, string> =
      scripted.retryAfterSeconds !== undefined ? { 'retry-after': String(scripted.retryAfterSeconds) } : {};
    sendJson(
      response,
      scripted.status,
      {
        error: {
          message: `scripted status ${scripted.status}`,
          type: 'server_error',
          param: null,
          code: null,
        },
      },
      headers,
    );
    return;
  }
  if ('text' in scripted) {
    sendJson(
      response,
      200,
      completion(
        model,
        { role: 'assistant', content: scripted.text },
        scripted.finishReason ?? 'stop',
        scripted.usage,
      ),
    );
    return;
  }
  const toolCalls = scripted.toolCalls.map((call, index) => ({
    id: `call_fake${sequence}_${index}`,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  sendJson(
    response,
    200,
    completion(
      model,
      { role: 'assistant', content: scripted.content ?? null, tool_calls: toolCalls },
      'tool_calls',
      scripted.usage,
    ),
  );
}

/** Starts the fake on a free loopback port. */
export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const queue: ScriptedResponse[] = [];
  const fake = {
    requests: [] as ChatRequest[],
    unscripted: 0,
  };
  const server = createServer(async (request, response) => {
    const authorization = request.headers.authorization;
    const raw = await readBody(request);
    if (authorization !== `Bearer ${FAKE_OPENAI_KEY}`) {
      sendJson(response, 401, {
        error: {
          message: 'Incorrect API key provided',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
      return;
    }
    if (request.method === 'GET' && request.url === '/v1/models') {
      sendJson(response, 200, {
        object: 'list',
        data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }],
      });
      return;
    }
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      sendJson(response, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
      return;
    }
    const body = JSON.parse(raw) as ChatRequest['body'];
    fake.requests.push({ authorization, body });
    const scripted = queue.shift();
    if (!scripted) {
      fake.unscripted += 1;
      sendJson(response, 500, {
        error: { message: 'the fake has no scripted response left', type: 'server_error' },
      });
      return;
    }
    answer(response, scripted, body.model);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return fake.requests;
    },
    get unscripted() {
      return fake.unscripted;
    },
    script: (...responses) => queue.push(...responses),
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
