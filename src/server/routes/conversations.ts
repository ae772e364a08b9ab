import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { conversationStates } from '../../normalizer/conversation-state.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';
import { countUnread } from '../unread-messages.ts';

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

const state = z.string().describe('bot, needs_human, human or closed');
const nextCursor = z.string().nullable().describe('pass as cursor for the next page; null on the last');
const listSchema = {
  summary: 'conversations, newest first',
  querystring: listQuery,
  response: {
    200: z.object({
      items: z.array(
        z.object({
          id: z.string(),
          channel: z.string(),
          state,
          assigneeId: z.string().nullable(),
          unread: z.number().int().describe('inbound messages after the read mark'),
          contact: z.object({ id: z.string(), displayName: z.string().nullable(), optedOut: z.boolean() }),
          lastMessage: z
            .object({ direction: z.string(), text: z.string().nullable(), kind: z.string() })
            .nullable(),
          lastMessageAt: z.string(),
          createdAt: z.string(),
        }),
      ),
      nextCursor,
    }),
    ...errorResponses('VALIDATION_FAILED'),
  },
};
const readSchema = {
  summary: 'one conversation with the contact’s identities on every channel',
  params: conversationParams,
  response: {
    200: z.object({
      id: z.string(),
      channel: z.string(),
      state,
      assigneeId: z.string().nullable(),
      unread: z.number().int().describe('inbound messages after the read mark'),
      staffReadAt: z.string().nullable().describe('when staff last read the transcript'),
      lastMessageAt: z.string(),
      createdAt: z.string(),
      contact: z.object({
        id: z.string(),
        displayName: z.string().nullable(),
        optedOut: z.boolean(),
        identities: z.array(
          z.object({ channel: z.string(), externalId: z.string(), username: z.string().nullable() }),
        ),
      }),
    }),
    ...errorResponses('NOT_FOUND', 'VALIDATION_FAILED'),
  },
};
const messagesSchema = {
  summary: 'the transcript, oldest first, with delivery status and edits',
  params: conversationParams,
  querystring: messagesQuery,
  response: {
    200: z.object({
      items: z.array(
        z.object({
          id: z.string(),
          direction: z.string().describe('inbound, outbound or internal'),
          kind: z.string(),
          text: z.string().nullable(),
          parts: z.unknown(),
          status: z.string(),
          error: z.string().nullable(),
          providerMessageId: z.string().nullable(),
          sentAt: z.string().nullable(),
          editedAt: z.string().nullable(),
          createdAt: z.string(),
          edits: z.array(
            z.object({ text: z.string().nullable(), parts: z.unknown(), replacedAt: z.string() }),
          ),
        }),
      ),
      nextCursor,
    }),
    ...errorResponses('NOT_FOUND', 'VALIDATION_FAILED'),
  },
};

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
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/admin/conversations', { schema: listSchema }, async (request) => {
    const { tenantId } = tenantCaller(request);
    const query = request.query;
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

  api.get('/admin/conversations/:id', { schema: readSchema }, async (request) => {
    const { tenantId } = tenantCaller(request);
    const { id } = request.params;
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

  api.get('/admin/conversations/:id/messages', { schema: messagesSchema }, async (request) => {
    const { tenantId } = tenantCaller(request);
    const { id } = request.params;
    const query = request.query;
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
