import { isIP } from 'node:net';
import type { ImapFlow } from 'imapflow';
import type { Egress } from '../../core/egress.ts';
import type { MailSettings } from './settings.ts';

/** Upper bounds for each network step; the call's own signal usually ends it sooner. */
const connectTimeoutMs = 10_000;
const socketTimeoutMs = 20_000;

/**
 * Logs in to the IMAP server, runs `work`, and logs out. The connection goes to the address
 * the egress guard checked, with the TLS server name set to the configured host. When
 * `signal` aborts the connection is closed at once, so whatever `work` awaits rejects instead
 * of hanging past the call's time.
 */
export async function withImapSession<Result>(
  settings: MailSettings['imap'],
  egress: Egress,
  signal: AbortSignal,
  work: (client: ImapFlow) => Promise<Result>,
): Promise<Result> {
  signal.throwIfAborted();
  const address = await egress.check(settings.host, settings.port);
  signal.throwIfAborted();
  // Imported on first use: imapflow and its MIME parsers cost about 250 ms at start-up.
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: address,
    ...(isIP(settings.host) ? {} : { servername: settings.host }),
    port: settings.port,
    secure: settings.tls,
    auth: { user: settings.user, pass: settings.password },
    logger: false,
    // One request per session: no IDLE between commands, no background work after.
    disableAutoIdle: true,
    connectionTimeout: connectTimeoutMs,
    greetingTimeout: connectTimeoutMs,
    socketTimeout: socketTimeoutMs,
  });
  // imapflow emits 'error' on socket failures; the pending command rejects with it too.
  client.on('error', () => {});
  const abort = () => client.close();
  signal.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    const result = await work(client);
    await client.logout();
    return result;
  } finally {
    signal.removeEventListener('abort', abort);
    client.close();
  }
}
