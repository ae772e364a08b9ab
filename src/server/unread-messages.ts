import type { Db } from '../store/index.ts';

/**
 * Unread messages per conversation: inbound messages newer than the conversation's
 * `staffReadAt` (all inbound messages when staff never read it). One grouped query for the
 * whole page of conversations.
 */
export async function countUnread(
  db: Db,
  tenantId: string,
  conversations: ReadonlyArray<{ id: string; staffReadAt: Date | null }>,
): Promise<Map<string, number>> {
  if (conversations.length === 0) return new Map();
  const groups = await db.message.groupBy({
    by: ['conversationId'],
    where: {
      tenantId,
      direction: 'inbound',
      OR: conversations.map((conversation) => ({
        conversationId: conversation.id,
        ...(conversation.staffReadAt ? { createdAt: { gt: conversation.staffReadAt } } : {}),
      })),
    },
    _count: { _all: true },
  });
  return new Map(groups.map((group) => [group.conversationId, group._count._all]));
}
