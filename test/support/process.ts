import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateKeySpecification } from '../../src/connectors/key-ring.ts';
import { TEST_EGRESS_ALLOW } from './egress.ts';
import { ADMIN_TOKEN } from './gateway.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Ends the process with the signal and waits for it to be gone. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `src/main.ts` as a separate process, the way `npm start` does, and resolves once
 * it is listening. Crash tests kill it with SIGKILL: nothing in the process gets to clean up.
 */
export async function spawnGateway(
  environment: Record<string, string>,
  startTimeoutMs = 60_000,
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A process that never listened is no one's to stop later.
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start:\n${output}`));
    }, startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    if (process.env.GATEWAY_DEBUG) child.stderr!.pipe(process.stderr);
    if (process.env.GATEWAY_DEBUG) child.stdout!.pipe(process.stderr);
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * The environment crash tests start gateways with: the test's database and data folder, the
 * fake Telegram, the test admin token, a fresh secret key, and short leases and retries so
 * that a restarted process takes over quickly.
 */
export function crashTestEnvironment(options: {
  databaseUrl: string;
  dataDir: string;
  telegramApiRoot: string;
}): Record<string, string> {
  return {
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir,
    SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
    SWITCHBOARD_SECRET_KEY: generateKeySpecification(),
    // The tests' mail and calendar servers listen on loopback, as an operator's local server would.
    SWITCHBOARD_EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    TELEGRAM_API_ROOT: options.telegramApiRoot,
    PUBLIC_URL: 'https://gateway.test',
    JOB_LEASE_MS: '1500',
    RETRY_BASE_MS: '50',
    RETRY_MAX_MS: '200',
  };
}
