import type { Db } from '../store/index.ts';
import { isUniqueViolation } from './tool-calls.ts';

/** A tool call waiting for a person, as staff see it. */
export interface PendingActionView {
  id: string;
  conversationId: string;
  tool: string;
  input: unknown;
  status: string;
  outcome: unknown;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

/**
 * Stores a call that needs approval. Keyed by the call, so a re-run of the turn that asked
 * for it finds the same action instead of queueing a second one. Returns the new action's
 * id, or undefined when the call had its action already.
 */
export async function createPendingAction(
  db: Db,
  action: { tenantId: string; conversationId: string; callKey: string; tool: string; input: unknown },
): Promise<string | undefined> {
  try {
    const created = await db.pendingAction.create({
      data: { ...action, input: JSON.stringify(action.input) },
      select: { id: true },
    });
    return created.id;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return undefined;
  }
}

/** A tenant's actions with the given status, newest first. */
export async function listActions(
  db: Db,
  tenantId: string,
  status: string | undefined,
  limit: number,
): Promise<PendingActionView[]> {
  const rows = await db.pendingAction.findMany({
    where: { tenantId, ...(status ? { status } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit,
  });
  return rows.map(toView);
}

/** One of a tenant's actions, or undefined when the tenant has none with this id. */
export async function findAction(
  db: Db,
  tenantId: string,
  id: string,
): Promise<PendingActionView | undefined> {
  const row = await db.pendingAction.findFirst({ where: { id, tenantId } });
  return row ? toView(row) : undefined;
}

function toView(row: {
  id: string;
  conversationId: string;
  tool: string;
  input: string;
  status: string;
  outcome: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}): PendingActionView {
  return {
    id: row.id,
    conversationId: row.conversationId,
    tool: row.tool,
    input: JSON.parse(row.input) as unknown,
    status: row.status,
    outcome: row.outcome ? (JSON.parse(row.outcome) as unknown) : null,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt,
    createdAt: row.createdAt,
  };
}
