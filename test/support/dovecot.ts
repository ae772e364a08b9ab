/**
 * A real Dovecot IMAP server (Debian's `dovecot-imapd`) for one test file: its own config,
 * users, mail and runtime folders in a temp dir, listening on a free loopback port, run in
 * the foreground as the test's child process and stopped after. Nothing of the system's
 * Dovecot (services, /etc/dovecot, /run/dovecot) is used. `npm test` installs the package; a
 * missing binary fails the test loudly instead of skipping it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { freeLoopbackPort, waitUntil } from './ports.ts';

export const DOVECOT_USER = 'inbox@example.com';
export const DOVECOT_PASSWORD = 'imap-password-for-tests';

const dovecotBinary = '/usr/sbin/dovecot';

/** A message to put in the test mailbox. */
export interface SeedMessage {
  fromName: string;
  fromAddress: string;
  subject: string;
  text: string;
  date: Date;
  seen?: boolean;
  /** The recipient; the test mailbox's own address when left out. */
  toAddress?: string;
  /** The folder to put it in; INBOX when left out. */
  folder?: string;
}

/** A stored message as a test checks it. */
export interface StoredMessage {
  messageId: string;
  subject: string;
  from: string[];
  to: string[];
}

export interface DovecotServer {
  host: string;
  port: number;
  /** Appends messages to INBOX over IMAP, as a mail delivery would. */
  seed(messages: SeedMessage[]): Promise<void>;
  /** The messages of a folder as the server holds them (none when the folder does not exist). */
  list(folder: string): Promise<StoredMessage[]>;
  /** Stops the server; the port then refuses connections. */
  stop(): Promise<void>;
}

/** The uid/gid that mail processes run as: Dovecot refuses to access mail as root. */
function mailOwner(): { uid: number; gid: number; loginUser: string; internalUser: string } {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) {
    const name = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    // Unprivileged: every Dovecot process runs as the test's own user.
    return { uid, gid, loginUser: name, internalUser: name };
  }
  const dovecotUid = Number(execFileSync('id', ['-u', 'dovecot'], { encoding: 'utf8' }).trim());
  const dovecotGid = Number(execFileSync('id', ['-g', 'dovecot'], { encoding: 'utf8' }).trim());
  return { uid: dovecotUid, gid: dovecotGid, loginUser: 'dovenull', internalUser: 'dovecot' };
}

function rfc822(message: SeedMessage): string {
  return [
    `From: "${message.fromName}" <${message.fromAddress}>`,
    `To: <${message.toAddress ?? DOVECOT_USER}>`,
    `Subject: ${message.subject}`,
    `Date: ${message.date.toUTCString()}`,
    `Message-ID: <${message.date.getTime()}.${Math.random().toString(36).slice(2)}@test.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    message.text,
    '',
  ].join('\r\n');
}

/** Starts Dovecot and resolves once it greets on its port. */
export async function startDovecot(): Promise<DovecotServer> {
  if (!existsSync(dovecotBinary)) {
    throw new Error(`${dovecotBinary} is missing: install Debian's dovecot-imapd (npm test does)`);
  }
  const root = await mkdtemp(join(tmpdir(), 'switchboard-dovecot-'));
  // Login processes run as an unprivileged user and must reach the runtime folder.
  await chmod(root, 0o755);
  const owner = mailOwner();
  const home = join(root, 'home');
  await mkdir(home);
  await chown(home, owner.uid, owner.gid);
  const port = await freeLoopbackPort();
  const users = join(root, 'users');
  await writeFile(
    users,
    `${DOVECOT_USER}:{PLAIN}${DOVECOT_PASSWORD}:${owner.uid}:${owner.gid}::${home}/%u\n`,
  );
  const config = join(root, 'dovecot.conf');
  await writeFile(
    config,
    [
      `base_dir = ${join(root, 'run')}`,
      `state_dir = ${join(root, 'state')}`,
      `instance_name = switchboard-test-${port}`,
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      // Loopback only: the client logs in without TLS, as many self-hosted setups never would.
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      // Keep failed logins fast: Dovecot delays them by seconds by default.
      'auth_failure_delay = 0',
      'log_path = /dev/stderr',
      'info_log_path = /dev/null',
      `default_login_user = ${owner.loginUser}`,
      `default_internal_user = ${owner.internalUser}`,
      `first_valid_uid = ${Math.min(owner.uid, 500)}`,
      'mail_location = maildir:~/Maildir',
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN ${users}\n}`,
      `userdb {\n  driver = passwd-file\n  args = ${users}\n}`,
      `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
      // Anvil's auth penalty would delay every later login from 127.0.0.1 after a test's wrong
      // password by seconds (doc.dovecot.org: "Authentication penalty"); mode 0 turns it off.
      'service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}',
      '',
    ].join('\n'),
  );
  await mkdir(join(root, 'state'));

  let output = '';
  const child: ChildProcess = spawn(dovecotBinary, ['-F', '-c', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  child.once('exit', () => {
    gone = true;
  });

  const greets = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
    });
  try {
    await waitUntil(async () => {
      if (gone) throw new Error('exited');
      return greets();
    }, 15_000);
  } catch {
    child.kill('SIGKILL');
    await exited;
    await rm(root, { recursive: true, force: true });
    throw new Error(`Dovecot did not start on 127.0.0.1:${port}:\n${output}`);
  }

  const login = async () => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user: DOVECOT_USER, pass: DOVECOT_PASSWORD },
      logger: false,
    });
    await client.connect();
    return client;
  };

  return {
    host: '127.0.0.1',
    port,
    async seed(messages) {
      const client = await login();
      try {
        for (const message of messages) {
          const folder = message.folder ?? 'INBOX';
          if (!(await client.list()).some((existing) => existing.path === folder))
            await client.mailboxCreate(folder);
          await client.append(folder, rfc822(message), message.seen ? ['\\Seen'] : [], message.date);
        }
      } finally {
        await client.logout();
      }
    },
    async list(folder) {
      const client = await login();
      try {
        if (!(await client.list()).some((existing) => existing.path === folder)) return [];
        const lock = await client.getMailboxLock(folder, { readOnly: true });
        try {
          const mailbox = client.mailbox;
          if (!mailbox || mailbox.exists === 0) return [];
          const messages = await client.fetchAll('1:*', { envelope: true });
          return messages.map((message) => ({
            messageId: message.envelope?.messageId ?? '',
            subject: message.envelope?.subject ?? '',
            from: (message.envelope?.from ?? []).map((entry) => entry.address ?? ''),
            to: (message.envelope?.to ?? []).map((entry) => entry.address ?? ''),
          }));
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      await exited;
      await rm(root, { recursive: true, force: true });
    },
  };
}
