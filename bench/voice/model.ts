import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveRole } from './role.ts';
import { milliseconds, modelStamp, now, readStamp, STAMP_CHARS } from './stamp.ts';

const APPEND = '{"type":"input_audio_buffer.append","audio":"';

/**
 * The loopback realtime model, in a process of its own: answers every
 * `input_audio_buffer.append` at once with a `response.output_audio.delta` of the same
 * bytes, its own send time written into the stamp, and times the inbound hop (caller →
 * model) from the caller's stamp. The bridge writes appends in exactly this form; anything
 * else (the session update) is ignored.
 */
export async function runModel(): Promise<void> {
  let measuring = false;
  let inbound: number[] = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const text = String(data);
      if (!text.startsWith(APPEND)) return;
      const audio = text.slice(APPEND.length, text.lastIndexOf('"'));
      if (measuring) inbound.push(milliseconds(readStamp(audio).callerAt, now()));
      socket.send(
        `{"type":"response.output_audio.delta","item_id":"item_bench","delta":"${modelStamp(audio)}${audio.slice(STAMP_CHARS)}"}`,
      );
    });
  });
  const { port } = server.address() as AddressInfo;
  serveRole(
    { url: `ws://127.0.0.1:${port}/v1/realtime` },
    async (message) => {
      if (message.type === 'measure') {
        measuring = message.on === true;
        if (measuring) inbound = [];
        return { inbound: measuring ? [] : inbound };
      }
      return {};
    },
    async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
}
