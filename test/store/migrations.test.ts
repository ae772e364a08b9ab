import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openScratchDatabase } from '../../scripts/scratch-database.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { applyPendingMigrations } from '../../src/store/migrate.ts';
import { readMigrationHistory } from '../../src/store/migration-history.ts';
import { diffHistoryToSchema } from '../../src/store/schema-diff.ts';
import { createPostgresDatabase, createTestStore, postgresServerUrl } from '../support/database.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// PGlite and the WebAssembly schema engine replay the whole history: slow on a busy 2-core machine.
describe('migration histories', { timeout: 120_000 }, () => {
  it('the sqlite history reproduces the schema', async () => {
    const scratch = await openScratchDatabase('sqlite');
    cleanups.push(scratch.dispose);
    expect(await diffHistoryToSchema({ dialect: 'sqlite', adapterFactory: scratch.adapterFactory })).toBe('');
  });

  it('the postgresql history reproduces the schema (on PGlite)', async () => {
    const scratch = await openScratchDatabase('postgresql');
    cleanups.push(scratch.dispose);
    expect(await diffHistoryToSchema({ dialect: 'postgresql', adapterFactory: scratch.adapterFactory })).toBe(
      '',
    );
  });

  // Diffing needs the engine to introspect the database, and introspection through
  // @prisma/adapter-pg fails on a real server ("Column type 'char' could not be deserialized":
  // the adapter cannot read PostgreSQL's internal "char" type). So the real server only proves
  // the history applies there; the diff above, on PGlite, proves it matches the schema.
  it.runIf(postgresServerUrl())('the postgresql history applies to a real PostgreSQL server', async () => {
    const database = await createPostgresDatabase(postgresServerUrl()!);
    cleanups.push(database.drop);
    const history = await readMigrationHistory('postgresql');
    const applied = await applyPendingMigrations({
      dialect: 'postgresql',
      adapterFactory: new PrismaPg({ connectionString: database.url, max: 1 }),
      exclusively: (work) => work(),
    });
    expect(applied).toEqual(history.migrationDirectories.map((directory) => directory.path));
  });
});

describe('openStore', () => {
  it('applies nothing when a SQLite database is opened again', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-store-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const messages: string[] = [];
    const log = (message: string) => messages.push(message);

    await (await openStore({ dataDir, log })).close();
    expect(messages).toEqual([expect.stringMatching(/^Applied sqlite migrations: \d{14}_init/)]);

    const store = await openStore({ dataDir, log });
    cleanups.push(store.close);
    expect(messages).toHaveLength(1);
    const recorded = await store.db.$queryRaw<{ count: bigint }[]>`
      SELECT COUNT(*) AS count FROM _prisma_migrations`;
    const history = await readMigrationHistory('sqlite');
    expect(recorded[0]?.count).toBe(BigInt(history.migrationDirectories.length));
  });

  it.runIf(postgresServerUrl())('migrates once when several processes start on one PostgreSQL', async () => {
    const database = await createPostgresDatabase(postgresServerUrl()!);
    cleanups.push(database.drop);
    const logs = await Promise.all(Array.from({ length: 3 }, () => openStoreInProcess(database.url)));
    expect(logs.flat()).toEqual([expect.stringMatching(/^Applied postgresql migrations: /)]);
  });

  it('stores and reads back rows with their relations', async () => {
    const store = await createTestStore();
    cleanups.push(store.dispose);
    const tenant = await store.db.tenant.create({ data: { slug: 'acme', name: 'Acme' } });
    const contact = await store.db.contact.create({
      data: {
        tenantId: tenant.id,
        displayName: 'Ada',
        identities: { create: { tenantId: tenant.id, channel: 'telegram', externalId: '42' } },
      },
    });

    const read = await store.db.contact.findUniqueOrThrow({
      where: { id: contact.id },
      include: { identities: true, tenant: true },
    });
    expect(read).toMatchObject({ displayName: 'Ada', optedOut: false, tenant: { slug: 'acme' } });
    expect(read.identities).toEqual([expect.objectContaining({ channel: 'telegram', externalId: '42' })]);
    expect(read.createdAt).toBeInstanceOf(Date);
    await expectCascadeDelete(store, tenant.id);
  });
});

/** Deleting a tenant removes its contacts: foreign keys are enforced on both dialects. */
async function expectCascadeDelete(store: Store, tenantId: string): Promise<void> {
  await store.db.tenant.delete({ where: { id: tenantId } });
  expect(await store.db.contact.count({ where: { tenantId } })).toBe(0);
  expect(await store.db.channelIdentity.count({ where: { tenantId } })).toBe(0);
}

/** Opens a store on `url` in a separate Node process and returns the lines it logged. */
async function openStoreInProcess(url: string): Promise<string[]> {
  const script = fileURLToPath(new URL('./open-store-process.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, url]);
  return JSON.parse(stdout) as string[];
}
