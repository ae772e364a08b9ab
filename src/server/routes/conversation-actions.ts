import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChannelAdapter } from '../../channels/types.ts';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { enqueueReply, splitterFor } from '../../dispatcher/outbox.ts';
import { changeState, type Transition } from '../../normalizer/conversation-state.ts';
import type { Db, DbTransaction } from '../../store/index.ts';
import { sqlOf } from '../../store/sql.ts';
import { tenantCaller } from '../caller.ts';
import type { EventBus } from '../events.ts';
import { errorResponses } from '../openapi.ts';
import { actorOfRequest } from '../session-auth.ts';

/** What the agent reads in its transcript after a hand-back, so it knows a person spoke. */
export const HANDBACK_NOTE =
  '[A member of staff answered the customer in the messages above and has handed the conversation back to you.]';

const conversationParams = z.object({ id: z.string().min(1) });
const assignBody = z.object({ userId: z.string().min(1).nullable() });
const textBody = z.object({ text: z.string().trim().min(1, 'is required').max(4_000) });

const stateSchema = (summary: string) => ({
  summary,
  params: conversationParams,
  response: {
    200: z.object({
      id: z.string(),
      state: z.string().describe('bot, needs_human, human or closed'),
      assigneeId: z.string().nullable(),
    }),
    ...errorResponses('NOT_FOUND', 'CONFLICT', 'VALIDATION_FAILED'),
  },
});
const assignSchema = {
  summary: 'assign to a staff member; null unassigns',
  params: conversationParams,
  body: assignBody,
  response: {
    200: z.object({ id: z.string(), assigneeId: z.string().nullable() }),
    ...errorResponses('NOT_FOUND', 'VALIDATION_FAILED'),
  },
};
const noteSchema = {
  summary: 'an internal note: staff see it, the customer and the agent never do',
  params: conversationParams,
  body: textBody,
  response: {
    201: z.object({ id: z.string(), text: z.string().nullable(), createdAt: z.string() }),
    ...errorResponses('NOT_FOUND', 'VALIDATION_FAILED'),
  },
};
const replySchema = {
  summary: 'a staff reply, delivered through the outbox; the conversation must be taken over',
  params: conversationParams,
  body: textBody,
  response: {
    202: z.object({ queued: z.literal(true) }),
    ...errorResponses('NOT_FOUND', 'CONFLICT', 'UNKNOWN_CHANNEL', 'VALIDATION_FAILED'),
  },
};

export interface ConversationActionOptions {
  db: Db;
  clock: Clock;
  events: EventBus;
  channels: Record<string, ChannelAdapter>;
  maxDeliveryAttempts: number;
  /** Starts delivery of a staff reply without waiting for the worker's next poll. */
  onReplyRecorded(): void;
}

/**
 * What staff do with a conversation: move it through its states, assign it, leave internal
 * notes, and reply. Every change is audited and written into the transcript.
 */
export async function conversationActionRoutes(
  app: FastifyInstance,
  options: ConversationActionOptions,
): Promise<void> {
  const { db, clock, events, channels } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  /** Scope and actor of a request to conversation `:id`. */
  function target(request: FastifyRequest) {
    const caller = tenantCaller(request);
    const { id } = request.params as z.infer<typeof conversationParams>;
    return { tenantId: caller.tenantId, conversationId: id, actor: actorOfRequest(request, caller) };
  }

  async function transition(
    request: FastifyRequest,
    name: Transition,
    extra?: (tx: DbTransaction) => Promise<void>,
  ) {
    const { tenantId, conversationId, actor } = target(request);
    return db.$transaction(async (tx) => {
      const change = await changeState(tx, { tenantId, conversationId, transition: name, actor });
      await extra?.(tx);
      await writeAudit(tx, {
        tenantId,
        actor,
        action: `conversation.${name}`,
        target: conversationId,
        details: { from: change.from, to: change.to },
      });
      await events.publish(tx, { type: 'conversation.state', tenantId, conversationId, state: change.to });
      return tx.conversation.findUniqueOrThrow({
        where: { id: conversationId },
        select: { id: true, state: true, assigneeId: true },
      });
    });
  }

  api.post(
    '/admin/conversations/:id/takeover',
    { schema: stateSchema('take over: the agent goes silent') },
    async (request) => {
      const staffUserId = request.staff?.userId;
      return transition(request, 'takeover', async (tx) => {
        // The person taking over becomes the assignee unless someone already is.
        if (staffUserId)
          await tx.conversation.updateMany({
            where: { id: target(request).conversationId, assigneeId: null },
            data: { assigneeId: staffUserId },
          });
      });
    },
  );

  api.post(
    '/admin/conversations/:id/handback',
    { schema: stateSchema('hand back to the agent') },
    async (request) => {
      const { tenantId, conversationId } = target(request);
      return transition(request, 'handback', async (tx) => {
        const { channel } = await tx.conversation.findUniqueOrThrow({
          where: { id: conversationId },
          select: { channel: true },
        });
        await tx.message.create({
          data: {
            tenantId,
            conversationId,
            channel,
            direction: 'internal',
            kind: 'handback_note',
            text: HANDBACK_NOTE,
            status: 'recorded',
          },
        });
      });
    },
  );

  api.post('/admin/conversations/:id/close', { schema: stateSchema('close') }, (request) =>
    transition(request, 'close'),
  );
  api.post('/admin/conversations/:id/reopen', { schema: stateSchema('reopen') }, (request) =>
    transition(request, 'reopen'),
  );

  api.post('/admin/conversations/:id/assign', { schema: assignSchema }, async (request) => {
    const { tenantId, conversationId, actor } = target(request);
    const { userId } = request.body;
    return db.$transaction(async (tx) => {
      if (
        userId &&
        !(await tx.staffUser.findFirst({ where: { id: userId, tenantId }, select: { id: true } }))
      )
        throw new AppError('NOT_FOUND', `there is no user "${userId}"`);
      const updated = await tx.conversation.updateMany({
        where: { id: conversationId, tenantId },
        data: { assigneeId: userId },
      });
      if (updated.count === 0)
        throw new AppError('NOT_FOUND', `there is no conversation "${conversationId}"`);
      await writeAudit(tx, {
        tenantId,
        actor,
        action: 'conversation.assigned',
        target: conversationId,
        details: { userId },
      });
      await events.publish(tx, {
        type: 'conversation.assigned',
        tenantId,
        conversationId,
        assigneeId: userId,
      });
      return { id: conversationId, assigneeId: userId };
    });
  });

  api.post('/admin/conversations/:id/notes', { schema: noteSchema }, async (request, reply) => {
    const { tenantId, conversationId, actor } = target(request);
    const { text } = request.body;
    const note = await db.$transaction(async (tx) => {
      const conversation = await tx.conversation.findFirst({
        where: { id: conversationId, tenantId },
        select: { channel: true },
      });
      if (!conversation) throw new AppError('NOT_FOUND', `there is no conversation "${conversationId}"`);
      // An internal row: staff see it in the transcript; channels and the agent never do.
      const created = await tx.message.create({
        data: {
          tenantId,
          conversationId,
          channel: conversation.channel,
          direction: 'internal',
          kind: 'note',
          text,
          parts: JSON.stringify([{ type: 'note', author: actor }]),
          status: 'recorded',
        },
      });
      await writeAudit(tx, { tenantId, actor, action: 'conversation.noted', target: conversationId });
      await events.publish(tx, { type: 'conversation.note', tenantId, conversationId });
      return created;
    });
    return reply.status(201).send({ id: note.id, text: note.text, createdAt: note.createdAt.toISOString() });
  });

  api.post('/admin/conversations/:id/messages', { schema: replySchema }, async (request, reply) => {
    const { tenantId, conversationId, actor } = target(request);
    const { text } = request.body;
    await db.$transaction(async (tx) => {
      const conversation = await tx.conversation.findFirst({
        where: { id: conversationId, tenantId },
        select: { channel: true, state: true },
      });
      if (!conversation) throw new AppError('NOT_FOUND', `there is no conversation "${conversationId}"`);
      if (conversation.state !== 'human')
        throw new AppError(
          'CONFLICT',
          `the conversation is "${conversation.state}": take it over before replying, so the agent stays silent`,
        );
      const adapter = channels[conversation.channel];
      if (!adapter) throw new AppError('UNKNOWN_CHANNEL', `there is no channel "${conversation.channel}"`);
      // Through the outbox like the agent's replies: the channel's policy (window, template,
      // human-agent tag for staff) is applied at delivery.
      await enqueueReply(sqlOf(db).within(tx), {
        tenantId,
        conversationId,
        channel: conversation.channel,
        text,
        idempotencyKey: `staff:${randomUUID()}`,
        author: 'staff',
        split: splitterFor(adapter),
        maxAttempts: options.maxDeliveryAttempts,
        nowMs: clock.now(),
      });
      await writeAudit(tx, { tenantId, actor, action: 'conversation.replied', target: conversationId });
      await events.publish(tx, { type: 'message.created', tenantId, conversationId, direction: 'outbound' });
    });
    options.onReplyRecorded();
    return reply.status(202).send({ queued: true });
  });
}
