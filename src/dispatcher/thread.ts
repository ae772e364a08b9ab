import type { OutboundMessage } from '../channels/types.ts';
import type { Db } from '../store/index.ts';

/** Latest messages read for a thread: enough for any header, without reading a whole archive. */
const THREAD_WINDOW = 100;

type Thread = NonNullable<OutboundMessage['thread']>;

/**
 * The thread of a conversation, for channels that thread (email): the ids of its messages
 * in order — an inbound message's own id from its `thread` part, an outbound message's
 * provider id (the id the provider gave the sent message, which replies reference) — and
 * the subject of the latest inbound message that had one.
 */
export async function conversationThread(db: Db, conversationId: string): Promise<Thread> {
  const rows = await db.message.findMany({
    where: { conversationId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: THREAD_WINDOW,
    select: { direction: true, providerMessageId: true, parts: true },
  });
  const references: string[] = [];
  let subject: string | undefined;
  for (const row of rows.reverse()) {
    if (row.direction === 'outbound') {
      if (row.providerMessageId) references.push(row.providerMessageId);
      continue;
    }
    const thread = threadPart(row.parts);
    if (thread?.messageId) references.push(thread.messageId);
    if (thread?.subject) subject = thread.subject;
  }
  return { ...(subject === undefined ? {} : { subject }), references: [...new Set(references)] };
}

/** The `thread` part of stored parts; parts written by other channels simply have none. */
function threadPart(parts: string): { subject?: string; messageId?: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(parts);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const part: unknown = parsed.find(
    (candidate: unknown) =>
      typeof candidate === 'object' &&
      candidate !== null &&
      'type' in candidate &&
      candidate.type === 'thread',
  );
  if (typeof part !== 'object' || part === null) return undefined;
  const { subject, messageId } = part as Record<string, unknown>;
  return {
    ...(typeof subject === 'string' ? { subject } : {}),
    ...(typeof messageId === 'string' ? { messageId } : {}),
  };
}
