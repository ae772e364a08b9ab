import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findAction, listActions } from '../../agent/pending-actions.ts';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { enqueueJobs } from '../../queue/jobs.ts';
import type { Db } from '../../store/index.ts';
import { APPROVED_ACTION_JOB } from '../action-job.ts';
import { tenantCaller } from '../caller.ts';
import type { EventBus } from '../events.ts';
import { errorResponses } from '../openapi.ts';
import { actorOfRequest } from '../session-auth.ts';

const listQuery = z.object({
  status: z.enum(['pending', 'approved', 'done', 'failed', 'rejected']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const actionParams = z.object({ id: z.string().min(1) });
const actionView = z.object({
  id: z.string(),
  conversationId: z.string(),
  tool: z.string(),
  input: z.unknown().describe('the arguments the agent called the tool with'),
  status: z.string().describe('pending, approved, done, failed or rejected'),
  outcome: z.unknown().describe('what the tool answered, once it ran; else null'),
  decidedBy: z.string().nullable(),
  decidedAt: z.date().nullable(),
  createdAt: z.date(),
});
const listSchema = {
  summary: 'tool calls waiting for approval, and decided ones',
  querystring: listQuery,
  response: { 200: z.object({ items: z.array(actionView) }), ...errorResponses('VALIDATION_FAILED') },
};
const decisionSchema = {
  params: actionParams,
  response: { 200: actionView, ...errorResponses('NOT_FOUND', 'CONFLICT', 'VALIDATION_FAILED') },
};

/**
 * Tool calls that wait for a person (agent setting `approvalRequired`). Approving one runs
 * it once, through the tool registry, in a job (so a crash does not lose the decision);
 * rejecting runs nothing. Only a pending action can be decided; every decision is audited.
 */
export async function actionRoutes(
  app: FastifyInstance,
  options: { db: Db; clock: Clock; events: EventBus },
): Promise<void> {
  const { db, clock, events } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/admin/actions', { schema: listSchema }, async (request) => {
    const { tenantId } = tenantCaller(request);
    const query = request.query;
    return { items: await listActions(db, tenantId, query.status, query.limit) };
  });

  async function decide(request: FastifyRequest, id: string, decision: 'approved' | 'rejected') {
    const caller = tenantCaller(request);
    const { tenantId } = caller;
    const actor = actorOfRequest(request, caller);
    const decided = await db.$transaction(async (tx) => {
      const changed = await tx.pendingAction.updateMany({
        where: { id, tenantId, status: 'pending' },
        data: { status: decision, decidedBy: actor, decidedAt: new Date(clock.now()) },
      });
      if (changed.count === 0) return false;
      if (decision === 'approved') {
        await enqueueJobs(tx, [
          { tenantId, kind: APPROVED_ACTION_JOB, payload: { actionId: id }, runAtMs: clock.now() },
        ]);
      }
      const { tool, conversationId } = await tx.pendingAction.findUniqueOrThrow({
        where: { id },
        select: { tool: true, conversationId: true },
      });
      await writeAudit(tx, { tenantId, actor, action: `action.${decision}`, target: id, details: { tool } });
      await events.publish(tx, {
        type: 'action.status',
        tenantId,
        actionId: id,
        conversationId,
        status: decision,
      });
      return true;
    });
    if (!decided) {
      const existing = await db.pendingAction.findFirst({
        where: { id, tenantId },
        select: { status: true },
      });
      if (!existing) throw new AppError('NOT_FOUND', `no action ${id}`);
      throw new AppError('CONFLICT', `the action is already ${existing.status}`);
    }
    return findAction(db, tenantId, id);
  }

  api.post(
    '/admin/actions/:id/approve',
    { schema: { summary: 'approve: the call runs once', ...decisionSchema } },
    (request) => decide(request, request.params.id, 'approved'),
  );
  api.post(
    '/admin/actions/:id/reject',
    { schema: { summary: 'reject: nothing runs', ...decisionSchema } },
    (request) => decide(request, request.params.id, 'rejected'),
  );
}
