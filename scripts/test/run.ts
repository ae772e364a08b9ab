/**
 * `npm test`: everything a fresh Debian machine needs to run the whole suite, then the suite
 * on SQLite and on PostgreSQL.
 *
 * 1. Installs missing system packages (scripts/test/system-packages.ts), or says what to run.
 * 2. Runs vitest on SQLite (each test file its own temporary database file).
 * 3. Runs vitest on PostgreSQL: the server `DATABASE_URL` names when it is set, otherwise a
 *    private throwaway server this script starts and removes (also when the run fails).
 *
 * Arguments go to vitest (`npm test -- test/queue`). `TEST_DATABASES=sqlite` (or `postgresql`)
 * runs one pass only.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './install-packages.ts';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const DATABASES = ['sqlite', 'postgresql'] as const;
type Database = (typeof DATABASES)[number];

const log = (line: string) => process.stdout.write(`[npm test] ${line}\n`);

function selectedDatabases(): Database[] {
  const requested = (process.env.TEST_DATABASES ?? DATABASES.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = requested.filter((name) => !DATABASES.includes(name as Database));
  if (unknown.length > 0 || requested.length === 0) {
    throw new Error(
      `TEST_DATABASES must list ${DATABASES.join(' and/or ')}, got "${process.env.TEST_DATABASES}"`,
    );
  }
  return requested as Database[];
}

/** The PostgreSQL server URL given in the environment, if any. */
function givenPostgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url?.startsWith('postgresql://') || url?.startsWith('postgres://') ? url : undefined;
}

let running: ReturnType<typeof spawn> | undefined;

function runVitest(databaseUrl: string | undefined, args: string[]): Promise<number> {
  const environment = { ...process.env };
  delete environment.DATABASE_URL;
  if (databaseUrl) environment.DATABASE_URL = databaseUrl;
  return new Promise((resolve) => {
    running = spawn(process.execPath, [vitest, 'run', ...args], {
      cwd: projectRoot,
      env: environment,
      stdio: 'inherit',
    });
    running.once('exit', (code, signal) => {
      running = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function main(): Promise<number> {
  const databases = selectedDatabases();
  ensureSystemPackages(log);
  const args = process.argv.slice(2);
  const results: { database: Database; code: number; seconds: number }[] = [];
  let privateServer: PrivatePostgres | undefined;

  // A stopped run (Ctrl-C, CI timeout) still removes the private server.
  const interrupted = async (signal: NodeJS.Signals) => {
    running?.kill(signal);
    await privateServer?.stop();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    for (const database of databases) {
      const started = Date.now();
      let url: string | undefined;
      if (database === 'postgresql') {
        url = givenPostgresUrl();
        if (url) {
          log(`PostgreSQL: the server DATABASE_URL names (${new URL(url).host})`);
        } else {
          privateServer = await startPrivatePostgres();
          url = privateServer.url;
          log(`PostgreSQL: a private server on ${new URL(url).host}, removed afterwards`);
        }
      }
      log(`== the suite on ${database}`);
      const code = await runVitest(url, args);
      await privateServer?.stop();
      privateServer = undefined;
      results.push({ database, code, seconds: Math.round((Date.now() - started) / 1000) });
    }
  } finally {
    await privateServer?.stop();
  }
  for (const result of results) {
    log(
      `${result.database}: ${result.code === 0 ? 'passed' : `FAILED (exit ${result.code})`} in ${result.seconds} s`,
    );
  }
  return results.every((result) => result.code === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[npm test] ${(error as Error).message}\n`);
    process.exit(1);
  },
);
