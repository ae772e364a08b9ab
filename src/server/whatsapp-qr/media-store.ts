import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Files customers sent, kept under `<DATA_DIR>/media/<tenant>/`, private to the gateway's
 * user. A stored file is referenced from its message by the id `save` returns.
 */
export interface MediaStore {
  save(tenantId: string, bytes: Buffer): Promise<string>;
  /** The file behind an id `save` returned. */
  pathOf(id: string): string;
}

export function createMediaStore(dataDir: string): MediaStore {
  const root = join(dataDir, 'media');
  return {
    async save(tenantId, bytes) {
      const folder = join(root, tenantId);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const id = `${tenantId}/${randomUUID()}`;
      await writeFile(join(root, id), bytes, { mode: 0o600, flag: 'wx' });
      return id;
    },
    pathOf: (id) => join(root, id),
  };
}
