import type { FastifyReply, FastifyRequest } from 'fastify';

/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 20_000;

export interface ServerSentEvents {
  send(type: string, data: unknown): void;
}

/**
 * Answers `request` with a server-sent event stream: the headers, a reconnect hint, and a
 * heartbeat. `subscribe` starts what feeds it and returns how to stop; it is stopped when the
 * client goes away or `open`'s owner ends every stream (the app closing).
 */
export function openServerSentEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  open: Set<() => void>,
  subscribe: (events: ServerSentEvents) => () => void,
): void {
  reply.hijack();
  const stream = reply.raw;
  stream.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  stream.write('retry: 2000\n: connected\n\n');
  const unsubscribe = subscribe({
    send: (type, data) => stream.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`),
  });
  const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), HEARTBEAT_MS);
  const end = () => {
    clearInterval(heartbeat);
    unsubscribe();
    open.delete(end);
    stream.end();
  };
  open.add(end);
  request.raw.on('close', end);
}
