import type { Db, Dialect } from '../../store/index.ts';
import { listTables, quotedIdentifier } from '../../store/tables.ts';
import { flushDeletedPages } from './flush.ts';

/**
 * Deletes a tenant and every row it owns, in one transaction: the tenant row (its foreign
 * keys cascade), then every row of every table with a `tenantId` column, read from the
 * database so a table added later is included (jobs, analytics events and the audit log
 * have no foreign key). Returns false when there is no such tenant.
 */
export async function deleteTenant(db: Db, dialect: Dialect, tenantId: string): Promise<boolean> {
  const deleted = await db.$transaction(async (transaction) => {
    const tenant = await transaction.tenant.deleteMany({ where: { id: tenantId } });
    if (tenant.count === 0) return false;
    for (const { table, columns } of await listTables(transaction, dialect)) {
      if (!columns.includes('tenantId')) continue;
      await transaction.$executeRaw`DELETE FROM ${quotedIdentifier(table)} WHERE "tenantId" = ${tenantId}`;
    }
    return true;
  });
  if (deleted) await flushDeletedPages(db, dialect);
  return deleted;
}
