/**
 * A loopback fake of OpenAI's Realtime API over WebSocket, in the GA event shape (shared
 * fixtures realtime_client_events.jsonl and realtime_server_events.jsonl): a real `ws`
 * server on 127.0.0.1 at `/v1/realtime?model=…` that wants `Authorization: Bearer <key>`,
 * sends `session.created` when a client connects and `session.updated` after each
 * `session.update` whose audio formats are `audio/pcmu` (otherwise the fixture's
 * `invalid_value` error, as the real server answers the retired `g711_ulaw`). Everything
 * else the test scripts: it reads what each session received and sends server events.
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { eventually } from '../support/gateway.ts';

export const FAKE_REALTIME_KEY = 'sk-fake-realtime-0123456789';

export interface FakeRealtimeSession {
  model: string | null;
  /** Client events, parsed, in the order they arrived. */
  received: Array<Record<string, unknown>>;
  send(event: Record<string, unknown>): void;
  /** The first received event `match` accepts, waiting for it. */
  waitFor(match: (event: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  closed: boolean;
}

export interface FakeRealtime {
  /** Pass as OPENAI_REALTIME_URL. */
  url: string;
  sessions: FakeRealtimeSession[];
  /** Connections refused for a wrong key. */
  refused: number;
  nextSession(): Promise<FakeRealtimeSession>;
  close(): Promise<void>;
}

let sequence = 0;

export async function startFakeRealtime(): Promise<FakeRealtime> {
  const sessions: FakeRealtimeSession[] = [];
  let refused = 0;
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/v1/realtime',
    verifyClient: (info, done) => {
      if (info.req.headers.authorization === `Bearer ${FAKE_REALTIME_KEY}`) return done(true);
      refused += 1;
      done(false, 401, 'Unauthorized');
    },
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket: WebSocket, request) => {
    const received: Array<Record<string, unknown>> = [];
    const session: FakeRealtimeSession = {
      model: new URL(request.url ?? '/', 'ws://fake').searchParams.get('model'),
      received,
      send: (event) => {
        sequence += 1;
        socket.send(JSON.stringify({ event_id: `event_FAKE${sequence}`, ...event }));
      },
      waitFor: (match, what) =>
        eventually(() => received.find(match), 20_000, what) as Promise<Record<string, unknown>>,
      closed: false,
    };
    sessions.push(session);
    socket.on('close', () => {
      session.closed = true;
    });
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as Record<string, unknown>;
      received.push(event);
      if (event.type !== 'session.update') return;
      const audio = (
        event.session as {
          audio?: { input?: { format?: { type?: string } }; output?: { format?: { type?: string } } };
        }
      ).audio;
      const formats = [audio?.input?.format?.type, audio?.output?.format?.type];
      if (formats.every((format) => format === 'audio/pcmu')) {
        session.send({ type: 'session.updated', session: event.session });
      } else {
        session.send({
          type: 'error',
          error: {
            type: 'invalid_request_error',
            code: 'invalid_value',
            message: "Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.",
            param: 'session.audio.input.format.type',
          },
        });
      }
    });
    session.send({
      type: 'session.created',
      session: { type: 'realtime', model: session.model, output_modalities: ['audio'] },
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    sessions,
    get refused() {
      return refused;
    },
    nextSession: () =>
      eventually(
        () => sessions.find((session) => !session.closed),
        20_000,
        'a realtime session',
      ) as Promise<FakeRealtimeSession>,
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
