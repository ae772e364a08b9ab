import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';

const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe.skipIf(process.env.DATABASE_URL?.startsWith('postgres'))('SQLite file modes', () => {
  let folder: string;

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('creates the data folder 0700 and the database with its WAL 0600, whatever the umask', async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'switchboard-modes-'));
    const dataDir = path.join(folder, 'data');
    const umask = process.umask(0o022);
    try {
      const store = await openStore({ dataDir });
      await store.db.tenant.create({ data: { slug: 'a', name: 'A' } });
      expect(await mode(dataDir)).toBe(0o700);
      const file = path.join(dataDir, 'switchboard.db');
      expect(await mode(file)).toBe(0o600);
      expect(await mode(`${file}-wal`)).toBe(0o600);
      await store.close();
    } finally {
      process.umask(umask);
    }
  });
});
