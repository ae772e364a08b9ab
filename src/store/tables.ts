import { raw } from '@prisma/client/runtime/client';
import type { Db, DbTransaction } from './db.ts';
import type { Dialect } from './dialect.ts';

/** A table of ours and its column names, as the database reports them. */
export interface TableColumns {
  table: string;
  columns: string[];
}

/** Bookkeeping of the schema engine, not data. */
const MIGRATIONS_TABLE = '_prisma_migrations';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Every table in the database with its columns, read from the database itself (not from
 * the schema), so code that must reach every table also reaches one added later.
 */
export async function listTables(db: Db | DbTransaction, dialect: Dialect): Promise<TableColumns[]> {
  const rows =
    dialect === 'sqlite'
      ? await db.$queryRaw<Array<{ table: string; column: string }>>`
          SELECT m.name AS "table", c.name AS "column"
          FROM sqlite_master m, pragma_table_info(m.name) c
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
      : await db.$queryRaw<Array<{ table: string; column: string }>>`
          SELECT table_name::text AS "table", column_name::text AS "column"
          FROM information_schema.columns
          WHERE table_schema = current_schema()`;
  const tables = new Map<string, string[]>();
  for (const row of rows) {
    if (row.table === MIGRATIONS_TABLE) continue;
    tables.set(row.table, [...(tables.get(row.table) ?? []), row.column]);
  }
  return [...tables]
    .map(([table, columns]) => ({ table, columns }))
    .sort((a, b) => a.table.localeCompare(b.table));
}

/** `"name"` for raw SQL, after checking it is a plain identifier (names come from the database). */
export function quotedIdentifier(name: string) {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain SQL identifier`);
  return raw(`"${name}"`);
}
