/** The live event stream as a browser reads it: real HTTP to a listening gateway, with a staff cookie. */
import { expect } from 'vitest';
import type { WorkspaceEvent } from '../../src/server/events.ts';
import type { TestGateway } from '../support/gateway.ts';
import type { StaffSession } from './staff-support.ts';

/** Starts the gateway listening on a free loopback port (once) and returns its base URL. */
export async function listening(gateway: TestGateway): Promise<string> {
  if (!gateway.app.server.listening) await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gateway.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('not listening');
  return `http://127.0.0.1:${address.port}`;
}

export interface EventStream {
  received: WorkspaceEvent[];
  /** Waits (polling, up to `timeoutMs`) for an event that matches; fails naming what came instead. */
  until(predicate: (event: WorkspaceEvent) => boolean, timeoutMs?: number): Promise<WorkspaceEvent>;
  close(): Promise<void>;
}

/** Opens `GET /admin/events` and collects the server-sent events until closed. */
export async function openStream(baseUrl: string, session: StaffSession): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/admin/events`, {
    headers: { cookie: session.cookie },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const received: WorkspaceEvent[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        const type = lines.find((line) => line.startsWith('event: '));
        const data = lines.find((line) => line.startsWith('data: '));
        if (data) {
          const event = JSON.parse(data.slice(6)) as WorkspaceEvent;
          // The SSE event name and the JSON's type agree, so EventSource listeners see every event.
          expect(type).toBe(`event: ${event.type}`);
          received.push(event);
        }
        buffer = buffer.slice(end + 2);
      }
    }
  })().catch(() => undefined);
  return {
    received,
    async until(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}
