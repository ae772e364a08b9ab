import type { Db, DbTransaction } from '../store/index.ts';

export interface AuditEntry {
  tenantId: string | null;
  /** Which credential acted: the token id, never the token. */
  actor: string;
  action: string;
  target: string;
  /** Names and outcomes only; never a secret value. */
  details?: Record<string, unknown>;
}

export async function writeAudit(db: Db | DbTransaction, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      tenantId: entry.tenantId,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details: JSON.stringify(entry.details ?? {}),
    },
  });
}
