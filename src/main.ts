import { mkdir } from 'node:fs/promises';
import { loadKeyRing } from './connectors/key-ring.ts';
import { ConfigError, parseConfig } from './core/config.ts';
import { buildApp } from './server/app.ts';
import { ensureAdminToken } from './server/auth.ts';
import { openStore } from './store/index.ts';

/** How long past the drain time shutdown may take to release leases and close the database. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * The entry point: configuration, database (migrated on open), key ring, admin token,
 * then the HTTP server and this process's worker. SIGINT/SIGTERM drain before exit.
 */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  // Created first and private: the database, its WAL and the generated secret key live here.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    postgresqlTimeouts: config.databaseTimeouts,
  });
  const { keyRing, generatedFile } = await loadKeyRing({
    specification: config.secretKey,
    dataDir: config.dataDir,
  });
  const app = await buildApp({ config, store, keyRing });
  if (generatedFile)
    app.log.warn({ file: generatedFile }, 'generated a secret key; back it up with the database');
  const adminToken = await ensureAdminToken(store.db, config.adminToken);
  await app.listen({ port: config.port, host: config.host });

  // Printed, not logged: the one time this token is shown, and it must not reach log storage.
  if (adminToken) {
    process.stdout.write(
      `\nSwitchboard admin token (shown once, stored only as a hash):\n\n  ${adminToken}\n\n` +
        'Set SWITCHBOARD_ADMIN_TOKEN to choose your own instead.\n\n',
    );
  }
  const address = app.server.address();
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const local = typeof address === 'object' && address ? `http://${host}:${address.port}` : config.publicUrl;
  process.stdout.write(
    `Switchboard is listening on ${local} (public URL ${config.publicUrl}, ${store.dialect})\n`,
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down: draining in-flight work');
    // Closing stops claiming jobs, lets running ones finish for SHUTDOWN_DRAIN_MS, then releases
    // the leases of the rest to other processes. Should closing itself hang (a database that
    // stopped answering), the process still exits; its leases then expire as after a crash.
    setTimeout(() => process.exit(1), config.shutdownDrainMs + SHUTDOWN_GRACE_MS).unref();
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error))}\n`,
  );
  process.exit(1);
});
