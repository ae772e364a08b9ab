/**
 * A real SMTP server on loopback (nodemailer's `smtp-server`), for tests of system mail:
 * it speaks the protocol (EHLO, AUTH PLAIN/LOGIN, MAIL FROM, RCPT TO, DATA), checks the
 * login, and parses what it receives with `mailparser`, so tests see the mail a real
 * server would have accepted. No TLS: clients must be configured with security `none`.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export const FAKE_SMTP_USER = 'switchboard';
export const FAKE_SMTP_PASSWORD = 'smtp-password-for-tests';

/** A mail the server accepted. */
export interface ReceivedMail {
  /** The envelope: who the client said it sends from and to. */
  envelopeFrom: string;
  envelopeTo: string[];
  from: string;
  subject: string;
  text: string;
  /** The Message-ID header, with its angle brackets. */
  messageId: string;
}

export interface FakeSmtpServer {
  host: string;
  port: number;
  received: ReceivedMail[];
  /** Logins attempted, with whether they were accepted (never the password). */
  logins: Array<{ user: string; accepted: boolean }>;
  /** The next `count` messages are refused at DATA with this SMTP reply code (e.g. 451, 554). */
  refuseNext(count: number, responseCode: number): void;
  close(): Promise<void>;
}

/** Starts the server on a free loopback port. */
export async function startFakeSmtpServer(
  options: {
    user?: string;
    password?: string;
    /**
     * Runs with each message's bytes before the server answers 250, as a provider's own
     * delivery and filing do (crash tests deliver into Dovecot here).
     */
    onMessage?(raw: Buffer, envelope: { from: string; to: string[] }): Promise<void>;
  } = {},
): Promise<FakeSmtpServer> {
  const user = options.user ?? FAKE_SMTP_USER;
  const password = options.password ?? FAKE_SMTP_PASSWORD;
  const received: ReceivedMail[] = [];
  const logins: FakeSmtpServer['logins'] = [];
  let refusals: { count: number; responseCode: number } = { count: 0, responseCode: 0 };

  const server = new SMTPServer({
    logger: false,
    // Loopback only: the client is told not to upgrade, and plain AUTH is allowed without TLS.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      const accepted = auth.username === user && auth.password === password;
      logins.push({ user: auth.username ?? '', accepted });
      if (!accepted) return callback(new Error('Invalid username or password'));
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      if (refusals.count > 0) {
        refusals = { ...refusals, count: refusals.count - 1 };
        stream.resume();
        const refusal = Object.assign(new Error('Refused by the test'), {
          responseCode: refusals.responseCode,
        });
        stream.on('end', () => callback(refusal));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      new Promise<Buffer>((resolve, reject) => {
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.on('error', reject);
      })
        .then(async (raw) => {
          await options.onMessage?.(raw, {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((recipient) => recipient.address),
          });
          return simpleParser(raw);
        })
        .then((mail) => {
          received.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
            from: mail.from?.text ?? '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            messageId: mail.messageId ?? '',
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    received,
    logins,
    refuseNext(count, responseCode) {
      refusals = { count, responseCode };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `smtp` connector values that reach this server. */
export function smtpValues(
  server: FakeSmtpServer,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    host: server.host,
    port: String(server.port),
    security: 'none',
    user: FAKE_SMTP_USER,
    password: FAKE_SMTP_PASSWORD,
    from: 'Switchboard <alerts@example.com>',
    notify_email: 'staff@example.com',
    ...overrides,
  };
}
