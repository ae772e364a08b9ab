import type { DbTransaction } from '../store/index.ts';
import type { InboundMessageEvent } from './types.ts';

const key = (...parts: string[]) => parts.join('\u0000');

/**
 * For messages that name the messages they answer (`threadReferences`, email's In-Reply-To
 * and References), the conversation of the first referenced message already stored for the
 * same tenant and channel. Messages without such a reference are not in the map and join
 * the conversation of their chat id. A batch without references costs no query.
 */
export async function resolveThreads<
  Entry extends { tenantId: string; channel: string; event: InboundMessageEvent },
>(tx: DbTransaction, entries: Entry[]): Promise<Map<Entry, string>> {
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
    select: { tenantId: true, channel: true, providerMessageId: true, conversationId: true },
  });
  const conversationOf = new Map(
    referenced.map((row) => [
      key(row.tenantId, row.channel, row.providerMessageId ?? ''),
      row.conversationId,
    ]),
  );
  for (const entry of threaded) {
    // References come most relevant first, so the first one found decides.
    const conversationId = entry.event
      .threadReferences!.map((reference) => conversationOf.get(key(entry.tenantId, entry.channel, reference)))
      .find((found) => found !== undefined);
    if (conversationId !== undefined) conversations.set(entry, conversationId);
  }
  return conversations;
}
