/**
 * A throwaway PostgreSQL server for one test run: initdb into a temporary folder, the server
 * on a free loopback port with its socket in that folder, stopped and deleted afterwards.
 * Nothing of the system's clusters (/etc/postgresql, /var/run/postgresql, port 5432) is used.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freeLoopbackPort, waitUntil } from '../../test/support/ports.ts';
import { postgresqlBinaries } from './system-packages.ts';

const ROLE = 'switchboard';
const PASSWORD = 'switchboard';

export interface PrivatePostgres {
  /** `postgresql://switchboard:switchboard@127.0.0.1:<port>/switchboard`: a superuser's database. */
  url: string;
  /** Stops the server (fast shutdown) and deletes its folder. */
  stop(): Promise<void>;
}

/** initdb refuses to run as root: as root, the server's files and processes belong to `postgres`. */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Starts the server and resolves once it accepts the role's password on its port. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const binaries = postgresqlBinaries();
  if (!binaries) throw new Error("PostgreSQL is not installed: install Debian's postgresql");
  const owner = serverOwner();
  const root = await mkdtemp(join(tmpdir(), 'switchboard-postgres-'));
  const data = join(root, 'data');
  const passwordFile = join(root, 'password');
  await writeFile(passwordFile, `${PASSWORD}\n`);
  if (owner) {
    await chown(root, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  await chmod(root, 0o700);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  let child: ChildProcess | undefined;
  let output = '';
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      // SIGINT is PostgreSQL's fast shutdown: it ends open sessions instead of waiting for them.
      child.kill('SIGINT');
      await exited;
    }
    await rm(root, { recursive: true, force: true });
  };

  try {
    execFileSync(
      join(binaries, 'initdb'),
      [
        '-D',
        data,
        '-U',
        ROLE,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--no-sync',
      ],
      { ...asOwner, cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const port = await freeLoopbackPort();
    child = spawn(
      join(binaries, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${root}`,
        // Throwaway data: durability only costs time here.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        // Every test file opens its own pools; two files run at once, crash tests start processes.
        '-c',
        'max_connections=300',
      ],
      { ...asOwner, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const started = child;
    const serverUrl = `postgresql://${ROLE}:${PASSWORD}@127.0.0.1:${port}`;
    await waitUntil(async () => {
      if (started.exitCode !== null) throw new Error('exited');
      const client = new pg.Client({ connectionString: `${serverUrl}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${ROLE}`);
      } finally {
        await client.end();
      }
      return true;
    }, 30_000);
    return { url: `${serverUrl}/${ROLE}`, stop };
  } catch (error) {
    await stop();
    const detail = (error as { stderr?: Buffer }).stderr?.toString() ?? output;
    throw new Error(`the private PostgreSQL server did not start: ${(error as Error).message}\n${detail}`);
  }
}
