import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { Dialect } from './dialect.ts';
import { readMigrationHistory } from './migration-history.ts';
import { openSchemaEngine } from './schema-engine.ts';
import { readSchema } from './schema-files.ts';

const noFilters = { externalTables: [], externalEnums: [] };

/**
 * Applies `dialect`'s migration history to the empty scratch database behind `adapterFactory`,
 * then returns the SQL that takes that database to the schema: an empty string when the history
 * reproduces the schema, otherwise the next migration. This is `prisma migrate dev`'s
 * shadow-database check without the native engine.
 */
export async function diffHistoryToSchema(options: {
  dialect: Dialect;
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
}): Promise<string> {
  const schema = await readSchema(options.dialect);
  const history = await readMigrationHistory(options.dialect);
  const session = await openSchemaEngine({ adapterFactory: options.adapterFactory, schema });
  try {
    await session.engine.applyMigrations({ migrationsList: history, filters: noFilters });
    const files = [{ path: schema.path, content: schema.content }];
    const result = await session.engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: history.baseDir },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      // With exitCode set the engine answers 2 for a non-empty diff; otherwise an empty diff
      // still comes back as the comment "-- This is an empty migration.".
      exitCode: true,
      filters: noFilters,
    });
    return result.exitCode === 2 ? (result.stdout ?? '') : '';
  } finally {
    await session.close();
  }
}
