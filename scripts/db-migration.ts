// Creates the next migration for both dialects at once: `npm run db:migration -- <name>`.
// For each dialect it applies the existing history to an empty scratch database, diffs that
// database against the schema, and writes the difference as a new migration folder. This is
// `prisma migrate dev --create-only` without the native schema engine, which is not available
// offline.
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dialect } from '../src/store/dialect.ts';
import { migrationLock } from '../src/store/migration-history.ts';
import { diffHistoryToSchema } from '../src/store/schema-diff.ts';
import { migrationsDirectories } from '../src/store/schema-files.ts';
import { openScratchDatabase } from './scratch-database.ts';

const dialects: Dialect[] = ['sqlite', 'postgresql'];

const name = slug(process.argv.slice(2).join(' '));
if (name === '') {
  console.error('Usage: npm run db:migration -- <name>');
  process.exit(1);
}
// One timestamp for both dialects keeps the two histories' folder names in step.
const folderName = `${timestamp(new Date())}_${name}`;

for (const dialect of dialects) {
  const scratch = await openScratchDatabase(dialect);
  const sql = await diffHistoryToSchema({ dialect, adapterFactory: scratch.adapterFactory }).finally(() =>
    scratch.dispose(),
  );
  if (sql.trim() === '') {
    console.log(`${dialect}: the history already matches the schema; no migration written`);
    continue;
  }
  const baseDir = migrationsDirectories[dialect];
  await mkdir(path.join(baseDir, folderName), { recursive: true });
  await writeFile(path.join(baseDir, folderName, 'migration.sql'), sql);
  const lockfile = path.join(baseDir, 'migration_lock.toml');
  if (!(await exists(lockfile))) await writeFile(lockfile, migrationLock(dialect));
  console.log(
    `${dialect}: wrote ${path.relative(process.cwd(), path.join(baseDir, folderName, 'migration.sql'))}`,
  );
}

/** Prisma's folder naming: lower case, runs of other characters become one underscore. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** UTC `YYYYMMDDHHMMSS`, the prefix `prisma migrate` gives migration folders. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
