import type { Db } from '../../store/index.ts';
import { chunks, mentionsAny } from './id-matches.ts';

const parsed = (text: string): unknown => JSON.parse(text);

/**
 * Everything stored about one contact of a tenant, as plain JSON: the contact, how each
 * channel addresses them, every conversation with its messages (earlier versions of edited
 * messages and delivery records included), the analytics rows of those conversations, and
 * the agent's tool calls and pending actions in them. Undefined when the tenant has no such contact.
 */
export async function exportContact(db: Db, tenantId: string, contactId: string) {
  const contact = await db.contact.findFirst({
    where: { id: contactId, tenantId },
    include: {
      identities: { orderBy: { createdAt: 'asc' } },
      conversations: {
        orderBy: { createdAt: 'asc' },
        include: {
          messages: {
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            include: { edits: { orderBy: { replacedAt: 'asc' } }, outbox: true },
          },
        },
      },
    },
  });
  if (!contact) return undefined;
  const conversationIds = contact.conversations.map((conversation) => conversation.id);
  const analyticsEvents = [];
  for (const ids of chunks(conversationIds)) {
    analyticsEvents.push(
      ...(await db.analyticsEvent.findMany({
        where: { tenantId, OR: [{ chatId: { in: ids } }, ...mentionsAny('properties', ids)] },
        orderBy: { occurredAt: 'asc' },
      })),
    );
  }
  const inConversations = { tenantId, conversationId: { in: conversationIds } };
  const toolCalls = await db.toolCall.findMany({ where: inConversations, orderBy: { createdAt: 'asc' } });
  const pendingActions = await db.pendingAction.findMany({
    where: inConversations,
    orderBy: { createdAt: 'asc' },
  });
  const { identities, conversations, ...person } = contact;
  return {
    contact: person,
    identities,
    conversations: conversations.map(({ messages, ...conversation }) => ({
      ...conversation,
      messages: messages.map(({ parts, edits, ...message }) => ({
        ...message,
        parts: parsed(parts),
        edits: edits.map((edit) => ({ ...edit, parts: parsed(edit.parts) })),
      })),
    })),
    analyticsEvents: analyticsEvents.map((event) => ({ ...event, properties: parsed(event.properties) })),
    toolCalls: toolCalls.map((call) => ({
      ...call,
      outcome: call.outcome === null ? null : parsed(call.outcome),
    })),
    pendingActions: pendingActions.map((action) => ({
      ...action,
      input: parsed(action.input),
      outcome: action.outcome === null ? null : parsed(action.outcome),
    })),
  };
}
