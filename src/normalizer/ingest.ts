import type { Db, DbTransaction } from '../store/index.ts';
import {
  type IngestStatements,
  ingestStatements,
  type JobRow,
  type MessageRow,
} from '../store/ingest-statements.ts';
import { newRowId } from '../store/row-ids.ts';
import { resolveContacts } from './contacts.ts';
import type { ConversationState } from './conversation-state.ts';
import { key, uniqueBy } from './sets.ts';
import { capMessageText } from './text-cap.ts';
import { resolveThreads } from './threads.ts';
import type {
  InboundEditEvent,
  InboundEvent,
  InboundMessageEvent,
  InboundStatusEvent,
  InboundSubscriptionEvent,
  InboundUnsendEvent,
} from './types.ts';

/** The events of one webhook delivery, for one tenant and channel. */
export interface IngestItem {
  tenantId: string;
  channel: string;
  events: InboundEvent[];
}

export interface IngestOutcome {
  stored: number;
  duplicates: number;
}

/** A newly stored inbound message, handed to the caller inside the storing transaction. */
export interface StoredInbound {
  id: string;
  tenantId: string;
  conversationId: string;
  channel: string;
  /**
   * The conversation's state as the storing transaction read it (`bot` for one it opened), so
   * that follow-up work need not read it again; absent when the message joined a conversation
   * by thread, whose state was not read.
   */
  conversationState?: string;
}

/** Called in the storing transaction, so follow-up work (events, reopening) commits with the message. */
export type OnStored = (tx: DbTransaction, messages: StoredInbound[]) => Promise<void>;

/** A job to queue for a stored inbound message (its respond job). */
export interface JobForMessage {
  kind: string;
  payload: unknown;
  runAtMs: number;
}

/**
 * The job queued for each newly stored inbound message, written with the message by the
 * batch's driver statements: the same row `enqueueJobs` (src/queue/jobs.ts) would write.
 */
export type JobFor = (message: StoredInbound) => JobForMessage;

// The queue's default (src/queue/jobs.ts, `enqueueJobs`).
const JOB_MAX_ATTEMPTS = 8;

// A new conversation is the agent's until staff take it over.
const NEW_CONVERSATION_STATE: ConversationState = 'bot';

/**
 * Stores a batch of webhook deliveries in one transaction: drops messages already stored
 * (the dedupe key is tenant + channel + provider message id), resolves or creates contacts,
 * identities and conversations, stores the new messages, and applies edits, delivery
 * statuses and subscription changes. Work is done per set, not per message, so a batch of
 * fifty costs about as many statements as a batch of one. The messages' own reads and writes
 * run as the store's driver statements (`ingestStatements`), in the transaction Prisma opened,
 * where `onStored` and the edits, statuses and subscriptions run through Prisma.
 */
export async function ingestBatch(
  db: Db,
  items: IngestItem[],
  onStored: OnStored,
  jobFor?: JobFor,
): Promise<IngestOutcome[]> {
  return db.$transaction(async (tx) => {
    const statements = ingestStatements(db, tx);
    const outcomes = items.map(() => ({ stored: 0, duplicates: 0 }));
    const messages: Array<{ item: number; tenantId: string; channel: string; event: InboundMessageEvent }> =
      [];
    for (const [index, item] of items.entries()) {
      for (const event of item.events) {
        if (event.type === 'message')
          messages.push({ item: index, tenantId: item.tenantId, channel: item.channel, event });
      }
    }
    const fresh = await dropDuplicates(statements, messages, outcomes);
    if (fresh.length > 0) {
      const stored = await storeMessages(tx, statements, fresh, jobFor);
      for (const entry of fresh) outcomes[entry.item]!.stored += 1;
      await onStored(tx, stored);
    }
    for (const item of items) {
      for (const event of item.events) {
        if (event.type === 'edit') await applyEdit(tx, item, event);
        else if (event.type === 'status') await applyStatus(tx, item, event);
        else if (event.type === 'subscription') await applySubscription(tx, item, event);
        else if (event.type === 'unsend') await applyUnsend(tx, item, event);
      }
    }
    return outcomes;
  });
}

type PendingMessage = { item: number; tenantId: string; channel: string; event: InboundMessageEvent };

async function dropDuplicates(
  statements: IngestStatements,
  messages: PendingMessage[],
  outcomes: IngestOutcome[],
): Promise<PendingMessage[]> {
  if (messages.length === 0) return [];
  const existing = await statements.storedMessages(
    uniqueBy(messages, dedupeKeyOf).map((entry) => ({
      tenantId: entry.tenantId,
      channel: entry.channel,
      providerMessageId: entry.event.providerMessageId,
    })),
  );
  const seen = new Set(existing.map((row) => key(row.tenantId, row.channel, row.providerMessageId)));
  const fresh: PendingMessage[] = [];
  for (const entry of messages) {
    const dedupeKey = dedupeKeyOf(entry);
    if (seen.has(dedupeKey)) {
      outcomes[entry.item]!.duplicates += 1;
      continue;
    }
    // The same message twice in one batch (concurrent redelivery) counts once.
    seen.add(dedupeKey);
    fresh.push(entry);
  }
  return fresh;
}

const dedupeKeyOf = (entry: PendingMessage) =>
  key(entry.tenantId, entry.channel, entry.event.providerMessageId);

async function storeMessages(
  tx: DbTransaction,
  statements: IngestStatements,
  fresh: PendingMessage[],
  jobFor: JobFor | undefined,
): Promise<StoredInbound[]> {
  const now = new Date();
  const contactIds = await resolveContacts(statements, fresh, now);
  // A reply that names a stored message (email) joins that message's conversation, whatever its
  // chat id, when the sender is that conversation's contact.
  const threads = await resolveThreads(tx, fresh, (entry) =>
    contactIds.get(key(entry.tenantId, entry.channel, entry.event.sender.externalId)),
  );
  const unthreaded = fresh.filter((entry) => !threads.has(entry));
  const conversations = await resolveConversations(statements, unthreaded, contactIds, now);
  const conversationOf = (entry: PendingMessage) =>
    conversations.get(key(entry.tenantId, entry.channel, entry.event.chatId))!;
  const rows = fresh.map((entry): MessageRow => {
    const capped = capMessageText(entry.event.text, entry.event.parts);
    return {
      id: newRowId(),
      tenantId: entry.tenantId,
      conversationId: threads.get(entry) ?? conversationOf(entry).id,
      channel: entry.channel,
      direction: 'inbound',
      providerMessageId: entry.event.providerMessageId,
      kind: entry.event.kind,
      text: capped.text ?? null,
      parts: JSON.stringify(capped.parts),
      truncated: capped.truncated,
      status: 'received',
      senderVerified: entry.event.senderVerified ?? null,
      sentAt: entry.event.sentAt,
      createdAt: now,
    };
  });
  await statements.insert('messages', rows);
  await statements.touchConversations([...new Set(rows.map((row) => row.conversationId))], now);
  const stored = rows.map(
    (row, index): StoredInbound => ({
      id: row.id,
      tenantId: row.tenantId,
      conversationId: row.conversationId,
      channel: row.channel,
      ...(threads.has(fresh[index]!) ? {} : { conversationState: conversationOf(fresh[index]!).state }),
    }),
  );
  if (jobFor)
    await statements.insert(
      'jobs',
      stored.map((message) => jobRow(message, jobFor(message), now)),
    );
  return stored;
}

function jobRow(message: StoredInbound, job: JobForMessage, now: Date): JobRow {
  return {
    id: newRowId(),
    tenantId: message.tenantId,
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    status: 'queued',
    runAtMs: BigInt(job.runAtMs),
    attempts: 0,
    maxAttempts: JOB_MAX_ATTEMPTS,
    createdAt: now,
    updatedAt: now,
  };
}

/** Maps tenant+channel+chat id → conversation id and state, opening conversations for new chats. */
async function resolveConversations(
  statements: IngestStatements,
  fresh: PendingMessage[],
  contactIds: Map<string, string>,
  now: Date,
): Promise<Map<string, { id: string; state: string }>> {
  const chats = uniqueBy(fresh, (entry) => key(entry.tenantId, entry.channel, entry.event.chatId));
  const found = await statements.conversations(
    chats.map((entry) => ({
      tenantId: entry.tenantId,
      channel: entry.channel,
      externalChatId: entry.event.chatId,
    })),
  );
  const conversations = new Map(
    found.map((conversation) => [
      key(conversation.tenantId, conversation.channel, conversation.externalChatId),
      { id: conversation.id, state: conversation.state },
    ]),
  );
  const missing = chats.filter(
    (entry) => !conversations.has(key(entry.tenantId, entry.channel, entry.event.chatId)),
  );
  if (missing.length > 0) {
    const rows = missing.map((entry) => ({
      id: newRowId(),
      tenantId: entry.tenantId,
      contactId: contactIds.get(key(entry.tenantId, entry.channel, entry.event.sender.externalId))!,
      channel: entry.channel,
      externalChatId: entry.event.chatId,
      state: NEW_CONVERSATION_STATE,
      lastMessageAt: now,
      createdAt: now,
    }));
    await statements.insert('conversations', rows);
    for (const row of rows)
      conversations.set(key(row.tenantId, row.channel, row.externalChatId), { id: row.id, state: row.state });
  }
  return conversations;
}

/** The unique key of a message by the provider's id, within the item's tenant and channel. */
function byProviderId(item: IngestItem, providerMessageId: string) {
  return {
    tenantId_channel_providerMessageId: { tenantId: item.tenantId, channel: item.channel, providerMessageId },
  };
}

/** Replaces a message's content, keeping the replaced version; a replayed edit changes nothing. */
async function applyEdit(tx: DbTransaction, item: IngestItem, event: InboundEditEvent): Promise<void> {
  const message = await tx.message.findUnique({
    where: byProviderId(item, event.providerMessageId),
    select: { id: true, text: true, parts: true, editedAt: true },
  });
  if (!message) return;
  if (message.editedAt && message.editedAt >= event.editedAt) return;
  await tx.messageEdit.create({ data: { messageId: message.id, text: message.text, parts: message.parts } });
  const capped = capMessageText(event.text, event.parts);
  await tx.message.update({
    where: { id: message.id },
    data: {
      text: capped.text ?? null,
      parts: JSON.stringify(capped.parts),
      truncated: capped.truncated,
      editedAt: event.editedAt,
    },
  });
}

/**
 * The sender unsent a message: its text, parts and earlier versions are deleted. The row
 * stays as `unsent`, so a late redelivery of the original is still recognised as a duplicate.
 * Only the chat the message came from can unsend it.
 */
async function applyUnsend(tx: DbTransaction, item: IngestItem, event: InboundUnsendEvent): Promise<void> {
  const message = await tx.message.findUnique({
    where: byProviderId(item, event.providerMessageId),
    select: { id: true, direction: true, conversation: { select: { externalChatId: true } } },
  });
  if (message?.direction !== 'inbound' || message.conversation.externalChatId !== event.chatId) return;
  await tx.messageEdit.deleteMany({ where: { messageId: message.id } });
  await tx.message.update({
    where: { id: message.id },
    data: { kind: 'unsent', text: null, parts: '[]', editedAt: event.at },
  });
}

// `failed` ranks last: a late `sent` or `delivered` (order is not promised) must not erase a failure.
const statusRank: Record<string, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
};

/** Advances an outbound message's delivery status; statuses arriving out of order never move it back. */
async function applyStatus(tx: DbTransaction, item: IngestItem, event: InboundStatusEvent): Promise<void> {
  const message = await tx.message.findUnique({
    where: byProviderId(item, event.providerMessageId),
    select: { id: true, status: true, direction: true },
  });
  if (message?.direction !== 'outbound') return;
  if (event.status !== 'failed' && (statusRank[event.status] ?? 0) <= (statusRank[message.status] ?? 0))
    return;
  await tx.message.update({
    where: { id: message.id },
    data: { status: event.status, error: event.status === 'failed' ? (event.error ?? 'failed') : null },
  });
}

async function applySubscription(
  tx: DbTransaction,
  item: IngestItem,
  event: InboundSubscriptionEvent,
): Promise<void> {
  const identity = await tx.channelIdentity.findUnique({
    where: {
      tenantId_channel_externalId: {
        tenantId: item.tenantId,
        channel: item.channel,
        externalId: event.sender.externalId,
      },
    },
    select: { contactId: true },
  });
  if (!identity) return;
  await tx.contact.update({ where: { id: identity.contactId }, data: { optedOut: !event.subscribed } });
}
