import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { Db } from '../../store/index.ts';
import { actorOf, tenantCaller } from '../caller.ts';
import { parseInput } from '../validate.ts';

const retention = z
  .object({
    retentionDays: z.number().int().min(1).max(36_500).nullable(),
  })
  .strict();

/**
 * A tenant's message retention: messages older than `retentionDays` are purged by the
 * hourly retention job; null (the default) keeps them until a contact is erased.
 */
export async function retentionRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;

  app.get('/admin/retention', async (request) => {
    const caller = tenantCaller(request);
    const tenant = await db.tenant.findUniqueOrThrow({
      where: { id: caller.tenantId },
      select: { retentionDays: true },
    });
    return { retentionDays: tenant.retentionDays };
  });

  app.put('/admin/retention', async (request) => {
    const caller = tenantCaller(request);
    const input = parseInput(retention, request.body, 'retention');
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
