import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import type { EventBus } from '../events.ts';
import { errorResponses } from '../openapi.ts';

const readSchema = {
  summary: 'staff read the transcript up to this message; later inbound messages stay unread',
  params: z.object({ id: z.string().min(1) }),
  body: z.object({
    messageId: z.string().min(1).describe('the newest message the reader has seen'),
  }),
  response: {
    200: z.object({ id: z.string(), staffReadAt: z.string().describe('the read mark, moved only forward') }),
    ...errorResponses('NOT_FOUND', 'VALIDATION_FAILED'),
  },
};

/**
 * `POST /admin/conversations/:id/read` `{messageId}`: staff have read the transcript up to
 * this message. The mark only moves forward, so a late request from an older view never
 * makes messages unread again; every open inbox is told live.
 */
export async function conversationReadRoutes(
  app: FastifyInstance,
  options: { db: Db; events: EventBus },
): Promise<void> {
  const { db, events } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/admin/conversations/:id/read', { schema: readSchema }, async (request) => {
    const { tenantId } = tenantCaller(request);
    const { id } = request.params;
    const { messageId } = request.body;
    return db.$transaction(async (tx) => {
      const message = await tx.message.findFirst({
        where: { id: messageId, conversationId: id, tenantId },
        select: { createdAt: true, conversation: { select: { staffReadAt: true } } },
      });
      if (!message) {
        const conversation = await tx.conversation.findFirst({
          where: { id, tenantId },
          select: { id: true },
        });
        throw new AppError(
          'NOT_FOUND',
          conversation
            ? `there is no message "${messageId}" in this conversation`
            : `there is no conversation "${id}"`,
        );
      }
      const current = message.conversation.staffReadAt;
      const staffReadAt = current && current >= message.createdAt ? current : message.createdAt;
      if (staffReadAt !== current) {
        await tx.conversation.updateMany({ where: { id, tenantId }, data: { staffReadAt } });
        await events.publish(tx, { type: 'conversation.read', tenantId, conversationId: id });
      }
      return { id, staffReadAt: staffReadAt.toISOString() };
    });
  });
}
