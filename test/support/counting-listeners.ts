/**
 * Loopback listeners that count the connections they get, for tests that must show a client
 * did or did not connect (the egress guard's end-to-end tests).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';

export interface CountingListener {
  port: number;
  connections: number;
  close(): Promise<void>;
}

/**
 * A TCP listener on 127.0.0.1. What it does with a connection: hang up at once, say `banner`
 * and hang up, or stay silent until closed.
 */
export async function tcpListener(
  behaviour: 'hang-up' | 'silent' | { banner: string } = 'hang-up',
): Promise<CountingListener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    listener.connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    if (behaviour === 'hang-up') socket.destroy();
    else if (behaviour !== 'silent') socket.end(`${behaviour.banner}\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listener: CountingListener = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return listener;
}

/** An HTTP server on 127.0.0.1 that also records the Host header of each request; 200 "ok" unless `handle` answers. */
export async function httpListener(
  handle: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) =>
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
): Promise<CountingListener & { hosts: string[] }> {
  const hosts: string[] = [];
  const server = createHttpServer((request, response) => {
    hosts.push(request.headers.host ?? '');
    request.resume();
    handle(request, response);
  });
  const listener = {
    port: 0,
    connections: 0,
    hosts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => {
    listener.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener.port = (server.address() as AddressInfo).port;
  return listener;
}
