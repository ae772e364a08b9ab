/**
 * PostgreSQL connections give up instead of hanging: a statement past the statement timeout
 * is cancelled, and a server that accepts the connection but never answers fails the connect.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { connectPostgresql } from '../../src/store/postgresql.ts';
import { createPostgresDatabase, postgresServerUrl } from '../support/database.ts';

describe.runIf(postgresServerUrl())('PostgreSQL timeouts', () => {
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('cancels a statement that runs past the statement timeout', async () => {
    const database = await createPostgresDatabase(postgresServerUrl()!);
    cleanups.push(database.drop);
    const store: Store = await openStore({
      databaseUrl: database.url,
      dataDir: tmpdir(),
      postgresqlTimeouts: { connectMs: 5_000, statementMs: 300 },
    });
    cleanups.push(store.close);
    const started = Date.now();
    await expect(store.db.$queryRaw`SELECT pg_sleep(3)`).rejects.toThrow(/statement timeout/);
    expect(Date.now() - started).toBeLessThan(2_500);
    // The connection is still usable for statements within the limit.
    expect(await store.db.$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });

  it('fails to connect to a server that never answers, within the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const { port } = silent.address() as { port: number };
    const { db } = connectPostgresql(`postgresql://switchboard:switchboard@127.0.0.1:${port}/switchboard`, {
      connectMs: 300,
      statementMs: 1_000,
    });
    cleanups.push(() => db.$disconnect());
    const started = Date.now();
    await expect(db.$queryRaw`SELECT 1`).rejects.toThrow();
    expect(sockets.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
