/**
 * A loopback TCP proxy in front of a real server (Radicale, an SMTP server) that kills the
 * gateway at the one moment crash tests care about: the server has done the work and its
 * success answer is on the way back. The proxy then SIGKILLs the gateway child *before*
 * relaying that answer, so the gateway never learns that the call succeeded. Only the first
 * success is caught; afterwards (the restarted gateway) everything passes through.
 */

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

/** Watches one connection's bytes and tells when a chunk from the server is the success answer. */
export interface SuccessDetector {
  fromClient(chunk: Buffer): void;
  /** True when this chunk from the server carries the success answer to catch. */
  isSuccess(chunk: Buffer): boolean;
}

export interface KillingProxy {
  host: string;
  port: number;
  /** How many success answers were caught (0 or 1). */
  caught(): number;
  close(): Promise<void>;
}

export async function startKillingProxy(options: {
  target: { host: string; port: number };
  detector(): SuccessDetector;
  /** Runs synchronously when the answer is caught, before anything is relayed. */
  kill(): void;
}): Promise<KillingProxy> {
  let caught = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(options.target.port, options.target.host);
    const detector = options.detector();
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      detector.fromClient(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (caught === 0 && detector.isSuccess(chunk)) {
        caught += 1;
        options.kill();
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    caught: () => caught,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** HTTP: the 201/204 answer to a PUT (a CalDAV server has stored the object). */
export function storedByPut(): SuccessDetector {
  let lastMethod = '';
  return {
    fromClient(chunk) {
      const start = /^([A-Z]+) \S+ HTTP\/1\.[01]\r\n/.exec(chunk.toString('latin1'));
      if (start) lastMethod = start[1]!;
    },
    isSuccess(chunk) {
      return lastMethod === 'PUT' && /^HTTP\/1\.[01] 20[14] /.test(chunk.toString('latin1'));
    },
  };
}

/** SMTP: the 250 that accepts a message after its DATA ended with `<CRLF>.<CRLF>`. */
export function acceptedAfterData(): SuccessDetector {
  let state: 'command' | 'data' | 'sent' = 'command';
  let tail = '';
  return {
    fromClient(chunk) {
      const text = tail + chunk.toString('latin1');
      if (state === 'command' && /(^|\r\n)DATA\r\n/i.test(text)) state = 'data';
      if (state === 'data' && text.includes('\r\n.\r\n')) state = 'sent';
      tail = text.slice(-8);
    },
    isSuccess(chunk) {
      return state === 'sent' && /^250[ -]/m.test(chunk.toString('latin1'));
    },
  };
}
