import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { conversationStates } from '../../normalizer/conversation-state.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import { countUnread } from '../unread-messages.ts';
import { parseInput } from '../validate.ts';

const limit = z.coerce.number().int().min(1).max(200).default(50);
const cursor = z.string().regex(/^\d+$/, 'must be a cursor returned by the previous page').optional();

const listQuery = z.object({
  channel: z.string().min(1).optional(),
  contactId: z.string().min(1).optional(),
  since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  state: z.enum(conversationStates).optional(),
  /** A staff user's id, or `none` for unassigned conversations. */
  assignee: z.string().min(1).optional(),
  /** Matches the contact's name or the text of a message. */
  q: z.string().trim().min(1).max(200).optional(),
  limit,
  cursor,
});
const messagesQuery = z.object({ limit, cursor });
const conversationParams = z.object({ id: z.string().min(1) });

/** One page of rows fetched with `take: limit + 1`: the extra row only tells that more follow. */
function page<Row, Item>(rows: Row[], limit: number, offset: number, toItem: (row: Row) => Item) {
  return {
    items: rows.slice(0, limit).map(toItem),
    nextCursor: rows.length > limit ? String(offset + limit) : null,
  };
}

/** The staff read API: conversations newest first, and each one's transcript oldest first. */
export async function conversationRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;

  app.get('/admin/conversations', async (request) => {
    const { tenantId } = tenantCaller(request);
    const query = parseInput(listQuery, request.query, 'query');
    const offset = Number(query.cursor ?? 0);
    const rows = await db.conversation.findMany({
      where: {
        tenantId,
        ...(query.channel ? { channel: query.channel } : {}),
        ...(query.contactId ? { contactId: query.contactId } : {}),
        ...(query.since ? { lastMessageAt: { gte: new Date(query.since) } } : {}),
        ...(query.state ? { state: query.state } : {}),
        ...(query.assignee ? { assigneeId: query.assignee === 'none' ? null : query.assignee } : {}),
        ...(query.q
          ? {
              OR: [
                { contact: { displayName: { contains: query.q } } },
                { messages: { some: { text: { contains: query.q }, direction: { not: 'internal' } } } },
              ],
            }
          : {}),
      },
      orderBy: [{ lastMessageAt: 'desc' }, { id: 'asc' }],
      skip: offset,
      take: query.limit + 1,
      include: {
        contact: { select: { id: true, displayName: true, optedOut: true } },
        messages: {
          where: { direction: { in: ['inbound', 'outbound'] } },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: 1,
          select: { direction: true, text: true, kind: true },
        },
      },
    });
    const unread = await countUnread(db, tenantId, rows);
    return page(rows, query.limit, offset, ({ messages, ...row }) => ({
      id: row.id,
      channel: row.channel,
      state: row.state,
      assigneeId: row.assigneeId,
      unread: unread.get(row.id) ?? 0,
      contact: row.contact,
      lastMessage: messages[0] ?? null,
      lastMessageAt: row.lastMessageAt.toISOString(),
      createdAt: row.createdAt.toISOString(),
    }));
  });

  app.get('/admin/conversations/:id', async (request) => {
    const { tenantId } = tenantCaller(request);
    const { id } = parseInput(conversationParams, request.params, 'path');
    const row = await db.conversation.findFirst({
      where: { id, tenantId },
      include: {
        contact: {
          include: { identities: { select: { channel: true, externalId: true, username: true } } },
        },
      },
    });
    if (!row) throw new AppError('NOT_FOUND', `there is no conversation "${id}"`);
    const unread = await countUnread(db, tenantId, [row]);
    return {
      id: row.id,
      channel: row.channel,
      state: row.state,
      assigneeId: row.assigneeId,
      unread: unread.get(row.id) ?? 0,
      staffReadAt: row.staffReadAt?.toISOString() ?? null,
      lastMessageAt: row.lastMessageAt.toISOString(),
      createdAt: row.createdAt.toISOString(),
      contact: {
        id: row.contact.id,
        displayName: row.contact.displayName,
        optedOut: row.contact.optedOut,
        // The same person on every channel they have written from.
        identities: row.contact.identities,
      },
    };
  });

  app.get('/admin/conversations/:id/messages', async (request) => {
    const { tenantId } = tenantCaller(request);
    const { id } = parseInput(conversationParams, request.params, 'path');
    const query = parseInput(messagesQuery, request.query, 'query');
    const conversation = await db.conversation.findFirst({ where: { id, tenantId }, select: { id: true } });
    if (!conversation) throw new AppError('NOT_FOUND', `there is no conversation "${id}"`);
    const offset = Number(query.cursor ?? 0);
    const rows = await db.message.findMany({
      where: { conversationId: id, tenantId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      skip: offset,
      take: query.limit + 1,
      include: { edits: { orderBy: { replacedAt: 'asc' } } },
    });
    return page(rows, query.limit, offset, (row) => ({
      id: row.id,
      direction: row.direction,
      kind: row.kind,
      text: row.text,
      parts: JSON.parse(row.parts) as unknown,
      status: row.status,
      error: row.error,
      providerMessageId: row.providerMessageId,
      sentAt: row.sentAt?.toISOString() ?? null,
      editedAt: row.editedAt?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
      edits: row.edits.map((edit) => ({
        text: edit.text,
        parts: JSON.parse(edit.parts) as unknown,
        replacedAt: edit.replacedAt.toISOString(),
      })),
    }));
  });
}
