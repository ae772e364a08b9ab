import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { serveRole } from './role.ts';

/**
 * The baseline: the least a bridge can do, in place of the gateway. It accepts any socket
 * (no webhook, signature or per-call value, no database), opens the model's socket, and
 * moves each frame across with one JSON.parse and one JSON.stringify, sending each answer
 * as `media` and `mark` like the gateway. What the bench measures through it is the cost
 * of the bench itself and of the loopback hops; the gateway's figures over these are what
 * the bridge adds.
 */
export async function runRelay(): Promise<void> {
  const modelUrl = `${process.env.BENCH_REALTIME_URL}?model=baseline`;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/voice/stream/bench' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (caller) => {
    const model = new WebSocket(modelUrl, { perMessageDeflate: false });
    let streamSid = '';
    let marks = 0;
    model.on('message', (data) => {
      const event = JSON.parse(String(data)) as { type: string; delta: string };
      if (event.type !== 'response.output_audio.delta') return;
      caller.send(JSON.stringify({ event: 'media', streamSid, media: { payload: event.delta } }));
      marks += 1;
      caller.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: String(marks) } }));
    });
    caller.on('message', (data) => {
      const frame = JSON.parse(String(data)) as {
        event: string;
        streamSid?: string;
        media?: { payload: string };
      };
      if (frame.event === 'start') streamSid = frame.streamSid ?? '';
      if (frame.event === 'media' && model.readyState === WebSocket.OPEN) {
        model.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: frame.media?.payload }));
      }
    });
    caller.on('close', () => model.close());
  });
  serveRole(
    { port: (server.address() as AddressInfo).port },
    async () => ({}),
    async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
}
