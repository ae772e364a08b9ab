/**
 * A loopback HTTP proxy in front of a provider fake that acknowledges late: it forwards every
 * request at once (the provider acts on it) and, for a share of them, holds the answer back.
 * A gateway killed while it waits has sent something it never recorded: the at-least-once
 * window the soak is there to provoke.
 */
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LateProxy {
  /** The proxy's base URL, with the target's path prefix. */
  url: string;
  /** Answers held back so far. */
  late: number;
  /** Changes the share of answers held back (0 stops holding). */
  setShare(share: number): void;
  close(): Promise<void>;
}

export async function startLateProxy(options: {
  target: string;
  /** Share of answers held back, 0..1; 0 until `setShare` says otherwise. */
  share?: number;
  /** Longest hold; each late answer waits a random time up to this. */
  maxDelayMs: number;
}): Promise<LateProxy> {
  const target = new URL(options.target);
  let share = options.share ?? 0;
  const proxy: LateProxy = {
    url: '',
    late: 0,
    setShare(value) {
      share = value;
    },
    close: async () => {},
  };
  const server = createServer((incoming, outgoing) => {
    const upstream = forward(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: target.host },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const send = () => {
            if (outgoing.destroyed) return;
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(Buffer.concat(chunks));
          };
          if (Math.random() < share) {
            proxy.late += 1;
            setTimeout(send, Math.random() * options.maxDelayMs);
          } else {
            send();
          }
        });
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  proxy.url = `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
