import type { Db, DbTransaction, Dialect } from '../../store/index.ts';
import { flushDeletedPages } from './flush.ts';
import { chunks, mentionsAny } from './id-matches.ts';

/** What an erasure removed, in counts: the audit entry records these and nothing else. */
export interface ErasureCounts {
  identities: number;
  conversations: number;
  messages: number;
  edits: number;
  outbox: number;
  jobs: number;
  analyticsEvents: number;
  toolCalls: number;
  pendingActions: number;
  tokenUsage: number;
  auditEntriesScrubbed: number;
}

/**
 * Erases a contact of a tenant and everything stored about them (see `tables.ts` for each
 * table), in one transaction: identities, conversations, messages with their edits and
 * outbox rows, the agent's tool calls and pending actions in those conversations, jobs whose
 * payload names any of them, analytics rows of their conversations, and the targets of audit
 * entries that named them; token usage keeps its counts but loses its conversation. Then the database's deleted pages are
 * flushed so the raw bytes are gone too. Returns undefined when the tenant has no such contact.
 */
export async function eraseContact(
  db: Db,
  dialect: Dialect,
  tenantId: string,
  contactId: string,
  afterErase: (transaction: DbTransaction, counts: ErasureCounts) => Promise<void>,
): Promise<ErasureCounts | undefined> {
  const counts = await db.$transaction(async (transaction) => {
    const contact = await transaction.contact.findFirst({
      where: { id: contactId, tenantId },
      select: { id: true },
    });
    if (!contact) return undefined;
    const conversations = await transaction.conversation.findMany({
      where: { tenantId, contactId },
      select: { id: true },
    });
    const conversationIds = conversations.map((row) => row.id);
    const messages = await transaction.message.findMany({
      where: { tenantId, conversationId: { in: conversationIds } },
      select: { id: true, outbox: { select: { id: true } } },
    });
    const messageIds = messages.map((row) => row.id);
    const outboxIds = messages.flatMap((row) => (row.outbox ? [row.outbox.id] : []));
    const inConversations = { tenantId, conversationId: { in: conversationIds } };
    const actions = await transaction.pendingAction.findMany({
      where: inConversations,
      select: { id: true },
    });
    const actionIds = actions.map((row) => row.id);
    const named = [contactId, ...conversationIds, ...messageIds, ...outboxIds, ...actionIds];

    // The agent's records of these conversations: tool arguments and results, actions awaiting approval.
    const toolCalls = (await transaction.toolCall.deleteMany({ where: inConversations })).count;
    const pendingActions = (await transaction.pendingAction.deleteMany({ where: inConversations })).count;
    // Spent model tokens still count towards today's budget, without the conversation or turn they came from.
    const tokenUsage = (
      await transaction.tokenUsage.updateMany({
        where: inConversations,
        data: { conversationId: null, turnKey: 'erased' },
      })
    ).count;

    const eventIds: string[] = [];
    for (const ids of chunks(named)) {
      const events = await transaction.analyticsEvent.findMany({
        where: { tenantId, OR: [{ chatId: { in: ids } }, ...mentionsAny('properties', ids)] },
        select: { id: true },
      });
      eventIds.push(...events.map((row) => row.id));
    }
    let analyticsEvents = 0;
    for (const ids of chunks(eventIds))
      analyticsEvents += (await transaction.analyticsEvent.deleteMany({ where: { id: { in: ids } } })).count;
    let jobs = 0;
    for (const ids of chunks([...named, ...eventIds]))
      jobs += (await transaction.job.deleteMany({ where: { tenantId, OR: mentionsAny('payload', ids) } }))
        .count;
    let auditEntriesScrubbed = 0;
    for (const ids of chunks(named)) {
      auditEntriesScrubbed += (
        await transaction.auditLog.updateMany({
          where: { tenantId, OR: [{ target: { in: ids } }, ...mentionsAny('details', ids)] },
          data: { target: 'erased', details: '{}' },
        })
      ).count;
    }
    const edits = await transaction.messageEdit.count({ where: { messageId: { in: messageIds } } });
    const identities = await transaction.channelIdentity.count({ where: { tenantId, contactId } });
    // WhatsApp (QR) learned which LID belongs to the contact's number: that pairing goes too.
    const whatsappIds = (
      await transaction.channelIdentity.findMany({
        where: { tenantId, contactId, channel: 'whatsapp_qr' },
        select: { externalId: true },
      })
    ).map((row) => row.externalId);
    if (whatsappIds.length > 0) {
      await transaction.whatsappQrLidMapping.deleteMany({
        where: { tenantId, OR: [{ phone: { in: whatsappIds } }, { lid: { in: whatsappIds } }] },
      });
    }
    // The cascade takes identities, conversations, messages, edits and outbox rows.
    await transaction.contact.delete({ where: { id: contactId } });
    const result: ErasureCounts = {
      identities,
      conversations: conversationIds.length,
      messages: messageIds.length,
      edits,
      outbox: outboxIds.length,
      jobs,
      analyticsEvents,
      toolCalls,
      pendingActions,
      tokenUsage,
      auditEntriesScrubbed,
    };
    await afterErase(transaction, result);
    return result;
  });
  if (counts) await flushDeletedPages(db, dialect);
  return counts;
}
