/**
 * A loopback fake of an OpenAI-compatible server that answers `POST /v1/chat/completions`
 * with `stream: true` in the streaming wire format: server-sent events, one
 * `chat.completion.chunk` per `data:` line (shared fixture
 * ../shared/fixtures/openai/chat_stream_tool_call_chunks.jsonl), a usage chunk when
 * `stream_options.include_usage` asks for it, then `data: [DONE]`. Each scripted answer is
 * a list of text pieces sent `delayMs` apart, or one tool call split into argument pieces.
 * The real `openai` package talks to it with `baseURL: fake.baseUrl`.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http.ts';
import { FAKE_OPENAI_KEY } from './openai-chat.ts';

export { FAKE_OPENAI_KEY };

export type ScriptedStream =
  | { pieces: string[]; delayMs?: number }
  | { toolCall: { name: string; arguments: string } };

export interface StreamRequest {
  body: { model: string; stream?: boolean; messages: Array<{ role: string; content?: string | null }> };
}

export interface FakeStreamingOpenAi {
  baseUrl: string;
  requests: StreamRequest[];
  /** Pieces written so far, across answers: an interrupted answer stops growing this. */
  written: string[];
  /** Answers whose client went away before the last piece. */
  abandoned: number;
  script(...answers: ScriptedStream[]): void;
  close(): Promise<void>;
}

let sequence = 0;

function chunk(id: string, delta: Record<string, unknown>, finishReason: string | null) {
  return {
    id,
    object: 'chat.completion.chunk',
    created: 1767268801,
    model: 'fake-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export async function startFakeStreamingOpenAi(): Promise<FakeStreamingOpenAi> {
  const queue: ScriptedStream[] = [];
  const fake = { requests: [] as StreamRequest[], written: [] as string[], abandoned: 0 };

  function event(response: ServerResponse, data: unknown) {
    response.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }

  async function stream(response: ServerResponse, scripted: ScriptedStream, usage: boolean) {
    sequence += 1;
    const id = `chatcmpl-FAKESTREAM${String(sequence).padStart(18, '0')}`;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let finish = 'stop';
    if ('toolCall' in scripted) {
      event(
        response,
        chunk(
          id,
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                index: 0,
                id: `call_fake${sequence}`,
                type: 'function',
                function: { name: scripted.toolCall.name, arguments: '' },
              },
            ],
          },
          null,
        ),
      );
      event(
        response,
        chunk(id, { tool_calls: [{ index: 0, function: { arguments: scripted.toolCall.arguments } }] }, null),
      );
      finish = 'tool_calls';
    } else {
      event(response, chunk(id, { role: 'assistant', content: '' }, null));
      for (const piece of scripted.pieces) {
        if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
        if (response.destroyed) {
          fake.abandoned += 1;
          return;
        }
        fake.written.push(piece);
        event(response, chunk(id, { content: piece }, null));
      }
    }
    event(response, chunk(id, {}, finish));
    if (usage) {
      event(response, {
        id,
        object: 'chat.completion.chunk',
        created: 1767268801,
        model: 'fake-model',
        choices: [],
        usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
      });
    }
    event(response, '[DONE]');
    response.end();
  }

  const server = createServer(async (request, response) => {
    const raw = await readBody(request);
    if (request.headers.authorization !== `Bearer ${FAKE_OPENAI_KEY}`) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }),
      );
      return;
    }
    const body = JSON.parse(raw) as StreamRequest['body'] & { stream_options?: { include_usage?: boolean } };
    fake.requests.push({ body });
    const scripted = queue.shift();
    if (request.url !== '/v1/chat/completions' || !body.stream || !scripted) {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { message: 'no scripted streaming answer', type: 'server_error' } }),
      );
      return;
    }
    await stream(response, scripted, body.stream_options?.include_usage === true);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return fake.requests;
    },
    get written() {
      return fake.written;
    },
    get abandoned() {
      return fake.abandoned;
    },
    script: (...answers) => queue.push(...answers),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
