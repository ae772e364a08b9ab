// Derives prisma/postgres/schema.prisma from prisma/schema.prisma and generates both Prisma
// clients into src/store/generated/. Runs as `postinstall` and as `npm run db:generate`.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Dialect } from '../src/store/dialect.ts';
import { readSchema } from '../src/store/schema-files.ts';

const dialects: Dialect[] = ['sqlite', 'postgresql'];
const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');

for (const dialect of dialects) {
  const schema = await readSchema(dialect);
  if (dialect !== 'sqlite') {
    await mkdir(path.dirname(schema.path), { recursive: true });
    await writeFile(schema.path, schema.content);
  }
  generateClient(schema.path);
}

function generateClient(schemaPath: string): void {
  const result = spawnSync(process.execPath, [prismaCli, 'generate', '--no-hints', '--schema', schemaPath], {
    stdio: 'inherit',
    env: {
      ...process.env,
      // `generate` never runs the schema engine but refuses to start without one, and the
      // native engine cannot be downloaded offline. Any existing file satisfies the check.
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
  if (result.status !== 0) {
    throw new Error(`prisma generate failed for ${schemaPath} (exit code ${result.status ?? result.signal})`);
  }
}
