import net from 'node:net';

/** What came back on a raw connection: the status and body when an answer arrived, and whether the server closed it. */
export interface RawExchange {
  status: number | undefined;
  body: string;
  closed: boolean;
  elapsedMs: number;
}

/**
 * Opens a TCP connection to 127.0.0.1:`port`, writes `head` (a request line and headers,
 * without the blank line after them, which this adds) and then each of `chunks` every
 * `intervalMs`, and settles as soon as a whole answer arrived, the server closed the
 * connection, or `waitMs` passed, whichever is first. For what `inject()` cannot show:
 * answers sent before the body, and connections cut mid-body.
 */
export function rawExchange(
  port: number,
  head: string,
  options: { chunks?: string[]; intervalMs?: number; waitMs: number },
): Promise<RawExchange> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(trickle);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      const body = received.split('\r\n\r\n').slice(1).join('\r\n\r\n');
      resolve({
        status: status === undefined ? undefined : Number(status),
        body,
        closed,
        elapsedMs: performance.now() - started,
      });
    };
    const chunks = [...(options.chunks ?? [])];
    const trickle = setInterval(() => {
      const chunk = chunks.shift();
      if (chunk !== undefined && socket.writable) socket.write(chunk);
    }, options.intervalMs ?? 100);
    socket.on('data', (data) => {
      received += data.toString('utf8');
      const [headers, ...rest] = received.split('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(`\r\n${headers}`)?.[1];
      if (length !== undefined && Buffer.byteLength(rest.join('\r\n\r\n')) >= Number(length)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(`${head}\r\n\r\n`);
    timer = setTimeout(() => finish(false), options.waitMs);
  });
}
