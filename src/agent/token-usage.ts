import type { Db } from '../store/index.ts';
import { isUniqueViolation } from './tool-calls.ts';

/** Model tokens of one completion or one turn. */
export interface TokenCount {
  model: string;
  promptTokens: number;
  completionTokens: number;
}

/** One day of a tenant's usage in the report of `GET /admin/usage`. */
export interface UsageDay {
  day: string;
  turns: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** The UTC date of a moment, as usage rows and the daily budget count days. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Stores the tokens one run of a turn spent (a re-run after a crash spends them again). */
export async function recordTurnUsage(
  db: Db,
  turn: { tenantId: string; conversationId: string | undefined; turnKey: string; at: Date },
  usage: TokenCount,
): Promise<void> {
  await db.tokenUsage.create({
    data: {
      tenantId: turn.tenantId,
      conversationId: turn.conversationId ?? null,
      turnKey: turn.turnKey,
      model: usage.model,
      day: utcDay(turn.at),
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
    },
  });
}

/** Prompt and completion tokens a tenant spent on one UTC day. */
export async function tokensSpent(db: Db, tenantId: string, day: string): Promise<number> {
  const sum = await db.tokenUsage.aggregate({
    where: { tenantId, day },
    _sum: { promptTokens: true, completionTokens: true },
  });
  return (sum._sum.promptTokens ?? 0) + (sum._sum.completionTokens ?? 0);
}

/**
 * Claims the one notice of its kind for a tenant and day: true for the first caller only,
 * also when several processes race for it (the row's key decides).
 */
export async function claimDailyNotice(
  db: Db,
  tenantId: string,
  day: string,
  kind: string,
): Promise<boolean> {
  try {
    await db.dailyNotice.create({ data: { tenantId, day, kind } });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** A tenant's usage per UTC day from `from` to `to` (inclusive, YYYY-MM-DD), oldest first. */
export async function usageReport(db: Db, tenantId: string, from: string, to: string): Promise<UsageDay[]> {
  const rows = await db.tokenUsage.groupBy({
    by: ['day'],
    where: { tenantId, day: { gte: from, lte: to } },
    _sum: { promptTokens: true, completionTokens: true },
    _count: { _all: true },
    orderBy: { day: 'asc' },
  });
  return rows.map((row) => {
    const promptTokens = row._sum.promptTokens ?? 0;
    const completionTokens = row._sum.completionTokens ?? 0;
    return {
      day: row.day,
      turns: row._count._all,
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
    };
  });
}
