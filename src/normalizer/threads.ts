import type { DbTransaction } from '../store/index.ts';
import { key } from './sets.ts';
import type { InboundMessageEvent } from './types.ts';

/**
 * For messages that name the messages they answer (`threadReferences`, email's In-Reply-To
 * and References), the conversation of the first referenced message already stored for the
 * same tenant and channel, provided the sender (`contactOf`) is that conversation's contact:
 * a Message-ID is no secret, and a stranger who quotes one must not enter someone else's
 * conversation. Messages without such a reference are not in the map and join the
 * conversation of their chat id. A batch without references costs no query.
 */
export async function resolveThreads<
  Entry extends { tenantId: string; channel: string; event: InboundMessageEvent },
>(
  tx: DbTransaction,
  entries: Entry[],
  contactOf: (entry: Entry) => string | undefined,
): Promise<Map<Entry, string>> {
  const threaded = entries.filter((entry) => (entry.event.threadReferences?.length ?? 0) > 0);
  const conversations = new Map<Entry, string>();
  if (threaded.length === 0) return conversations;
  const referenced = await tx.message.findMany({
    where: {
      OR: threaded.map((entry) => ({
        tenantId: entry.tenantId,
        channel: entry.channel,
        providerMessageId: { in: entry.event.threadReferences },
      })),
    },
    select: {
      tenantId: true,
      channel: true,
      providerMessageId: true,
      conversationId: true,
      conversation: { select: { contactId: true } },
    },
  });
  const conversationOf = new Map(
    referenced.map((row) => [key(row.tenantId, row.channel, row.providerMessageId ?? ''), row]),
  );
  for (const entry of threaded) {
    // References come most relevant first, so the first one in the sender's own conversations decides.
    const contactId = contactOf(entry);
    const found = entry.event
      .threadReferences!.map((reference) => conversationOf.get(key(entry.tenantId, entry.channel, reference)))
      .find((row) => row !== undefined && row.conversation.contactId === contactId);
    if (found !== undefined) conversations.set(entry, found.conversationId);
  }
  return conversations;
}
