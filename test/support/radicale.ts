/**
 * A real Radicale CalDAV server (Debian's `radicale`) for one test file: config, htpasswd
 * users and collections in a temp dir, bound to a free loopback port, run as the test's child
 * process and stopped after. It runs with Debian's own Python (`/usr/bin/python3`), where the
 * package installs the module, whatever `python3` comes first on PATH. `npm test` installs the
 * package; a missing module fails the test loudly instead of skipping it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, waitUntil } from './ports.ts';

export const RADICALE_USER = 'calendar-user';
export const RADICALE_PASSWORD = 'caldav-password-for-tests';

const python = '/usr/bin/python3';

export interface RadicaleServer {
  /** The server's root URL, e.g. `http://127.0.0.1:5232/`. */
  url: string;
  port: number;
  /** Creates a calendar collection (MKCALENDAR) and returns its URL. */
  createCalendar(name: string, displayName: string): Promise<string>;
  /** Stores an iCalendar object in a calendar, as another client would (PUT). */
  putEvent(calendarUrl: string, uid: string, icalendar: string): Promise<void>;
  /** Reads a calendar back as one iCalendar text (GET on the collection), independent of our client. */
  readCalendar(calendarUrl: string): Promise<string>;
  stop(): Promise<void>;
}

function authorization(): string {
  return `Basic ${Buffer.from(`${RADICALE_USER}:${RADICALE_PASSWORD}`).toString('base64')}`;
}

/** Starts Radicale and resolves once it answers HTTP. */
export async function startRadicale(): Promise<RadicaleServer> {
  const probe = spawnSync(python, ['-c', 'import radicale'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `Radicale is missing for ${python}: install Debian's radicale (npm test does)\n${probe.stderr ?? ''}`,
    );
  }
  const root = await mkdtemp(join(tmpdir(), 'switchboard-radicale-'));
  const port = await freeLoopbackPort();
  const users = join(root, 'users');
  await writeFile(users, `${RADICALE_USER}:${RADICALE_PASSWORD}\n`);
  const config = join(root, 'radicale.conf');
  await writeFile(
    config,
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      '[auth]',
      'type = htpasswd',
      `htpasswd_filename = ${users}`,
      'htpasswd_encryption = plain',
      // Radicale waits this long after a failed login; tests of wrong passwords stay fast.
      'delay = 0',
      '[rights]',
      'type = owner_only',
      '[storage]',
      `filesystem_folder = ${join(root, 'collections')}`,
      '[web]',
      'type = none',
      '[logging]',
      'level = warning',
      '',
    ].join('\n'),
  );

  let output = '';
  const child: ChildProcess = spawn(python, ['-m', 'radicale', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitUntil(async () => {
      if (gone) throw new Error('exited');
      const response = await fetch(url, { method: 'OPTIONS' });
      return response.status < 500;
    }, 15_000);
  } catch {
    child.kill('SIGKILL');
    await exited;
    await rm(root, { recursive: true, force: true });
    throw new Error(`Radicale did not start on ${url}:\n${output}`);
  }

  const expectOk = async (response: Response, what: string) => {
    if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  };

  return {
    url,
    port,
    async createCalendar(name, displayName) {
      const calendarUrl = `${url}${RADICALE_USER}/${name}/`;
      const body = `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>${displayName}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>`;
      const response = await fetch(calendarUrl, {
        method: 'MKCALENDAR',
        headers: { authorization: authorization(), 'content-type': 'application/xml; charset=utf-8' },
        body,
      });
      await expectOk(response, `MKCALENDAR ${name}`);
      return calendarUrl;
    },
    async putEvent(calendarUrl, uid, icalendar) {
      const response = await fetch(`${calendarUrl}${encodeURIComponent(uid)}.ics`, {
        method: 'PUT',
        headers: { authorization: authorization(), 'content-type': 'text/calendar; charset=utf-8' },
        body: icalendar,
      });
      await expectOk(response, `PUT ${uid}`);
    },
    async readCalendar(calendarUrl) {
      const response = await fetch(calendarUrl, { headers: { authorization: authorization() } });
      await expectOk(response, 'GET calendar');
      return response.text();
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      await exited;
      await rm(root, { recursive: true, force: true });
    },
  };
}
