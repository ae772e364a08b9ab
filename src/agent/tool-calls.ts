import type { Db, DbTransaction } from '../store/index.ts';
import type { ToolCallRecord } from './types.ts';

/** What a finished call came to, as stored for a re-run to return. */
export interface StoredOutcome {
  ok: boolean;
  content: string;
  record: ToolCallRecord;
}

/** The identity of one call: its tenant, conversation, tool and stable key. */
export interface CallIntent {
  tenantId: string;
  conversationId: string;
  callKey: string;
  tool: string;
}

/** Prisma's unique violation: another run wrote the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'P2002';
}

/**
 * Records that a call is about to run, unless its key was seen before. Answers the stored
 * outcome when the call already finished (the caller must not act again), or undefined
 * when the call is to run: new, or begun by a run that crashed before recording its
 * outcome (the tool's deterministic provider ids make that second attempt safe).
 */
export async function beginCall(db: Db, intent: CallIntent): Promise<StoredOutcome | undefined> {
  const where = { tenantId_callKey: { tenantId: intent.tenantId, callKey: intent.callKey } };
  const existing = await db.toolCall.findUnique({ where, select: { outcome: true } });
  if (existing?.outcome) return JSON.parse(existing.outcome) as StoredOutcome;
  if (existing) return undefined;
  try {
    await db.toolCall.create({ data: intent });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const raced = await db.toolCall.findUnique({ where, select: { outcome: true } });
    if (raced?.outcome) return JSON.parse(raced.outcome) as StoredOutcome;
  }
  return undefined;
}

/** Records a call's outcome, in the transaction that records it in the transcript. */
export async function finishCall(
  tx: DbTransaction,
  intent: Pick<CallIntent, 'tenantId' | 'callKey'>,
  outcome: StoredOutcome,
): Promise<void> {
  await tx.toolCall.updateMany({
    where: { tenantId: intent.tenantId, callKey: intent.callKey },
    data: { status: 'finished', outcome: JSON.stringify(outcome) },
  });
}
