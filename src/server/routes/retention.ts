import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { Db } from '../../store/index.ts';
import { actorOf, tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';

const retention = z
  .object({
    retentionDays: z.number().int().min(1).max(36_500).nullable(),
  })
  .strict();
const answer = z.object({ retentionDays: z.int().nullable().describe('null keeps messages') });
const readSchema = { summary: 'the tenant’s message retention', response: { 200: answer } };
const replaceSchema = {
  summary: 'set the message retention in days, or null to keep messages',
  body: retention,
  response: { 200: answer, ...errorResponses('VALIDATION_FAILED') },
};

/**
 * A tenant's message retention: messages older than `retentionDays` are purged by the
 * hourly retention job; null (the default) keeps them until a contact is erased.
 */
export async function retentionRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/admin/retention', { schema: readSchema }, async (request) => {
    const caller = tenantCaller(request);
    const tenant = await db.tenant.findUniqueOrThrow({
      where: { id: caller.tenantId },
      select: { retentionDays: true },
    });
    return { retentionDays: tenant.retentionDays };
  });

  api.put('/admin/retention', { schema: replaceSchema }, async (request) => {
    const caller = tenantCaller(request);
    const input = request.body;
    await db.$transaction(async (transaction) => {
      await transaction.tenant.update({
        where: { id: caller.tenantId },
        data: { retentionDays: input.retentionDays },
      });
      await writeAudit(transaction, {
        tenantId: caller.tenantId,
        actor: actorOf(caller),
        action: 'retention.updated',
        target: 'retention',
        details: { retentionDays: input.retentionDays },
      });
    });
    return { retentionDays: input.retentionDays };
  });
}
