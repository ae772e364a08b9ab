/**
 * The log format follows stdout: `npm start` in a terminal (a real pseudo-terminal from
 * util-linux's `script`) prints pino-pretty's readable lines, the same program with stdout
 * in a pipe (a container, systemd, a log shipper) one JSON object per line. And `GET /` on
 * the running gateway tells a visitor where to go.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeySpecification } from '../../src/connectors/key-ring.ts';
import { defaultWebRoot } from '../../src/server/web-ui.ts';
import { ADMIN_TOKEN } from '../support/gateway.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
// pino-pretty colours its output on a terminal.
const ansiColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

let directory: string | undefined;

afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

/**
 * Starts `src/main.ts` on SQLite in a fresh folder, its stdout a terminal or a pipe, and
 * resolves with everything it printed until it listened, and its URL; the process is stopped.
 */
async function startAndStop(terminal: boolean): Promise<{ output: string; home: Response }> {
  directory = await mkdtemp(path.join(tmpdir(), 'switchboard-logging-'));
  const main = `${process.execPath} --import tsx src/main.ts`;
  const child = terminal
    ? spawn('script', ['--quiet', '--flush', '--return', '--command', main, '/dev/null'], {
        cwd: projectRoot,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: environment(directory),
      })
    : spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: projectRoot,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: environment(directory),
      });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${output}`)), 30_000);
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(
          output.replace(ansiColour, ''),
        );
        if (listening && output.includes('Switchboard is listening')) {
          clearTimeout(timer);
          resolve(listening[1]!);
        }
      };
      child.stdout!.on('data', collect);
      child.stderr!.on('data', collect);
      child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}:\n${output}`)));
    });
    const home = await fetch(`${url}/`);
    return { output: output.replace(ansiColour, ''), home };
  } finally {
    // The whole group: `script` and the gateway under it.
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
}

function environment(dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
    SWITCHBOARD_SECRET_KEY: generateKeySpecification(),
  };
}

describe('logs and the front door', () => {
  it('prints readable lines on a terminal', async () => {
    const { output } = await startAndStop(true);
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+/m);
    expect(output).not.toMatch(/^\{"level"/m);
  });

  it('prints one JSON object per line into a pipe, and GET / serves the workspace (or says where to go before it is built)', async () => {
    const { output, home } = await startAndStop(false);
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 30, msg: expect.stringMatching(/^Server listening at /) }),
    );
    expect(output).not.toMatch(/\] INFO: /);
    // The workspace once built (`npm ci` builds it); before that, where to go.
    if (existsSync(path.join(defaultWebRoot, 'index.html'))) {
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('<div id="root">');
    } else {
      expect(home.status).toBe(200);
      expect(await home.json()).toMatchObject({
        service: 'switchboard',
        message: expect.stringContaining('README'),
        links: { health: '/healthz' },
      });
    }
  });
});
