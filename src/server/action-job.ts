import { runApprovedAction } from '../agent/approved-action.ts';
import type { ToolRegistry } from '../agent/tool-registry.ts';
import type { JobHandler } from '../queue/worker.ts';
import type { Db } from '../store/index.ts';
import type { EventBus } from './events.ts';

export const APPROVED_ACTION_JOB = 'agent.approved_action';

/** The job that runs an action staff approved (see `runApprovedAction`), then tells staff how it ended. */
export function createApprovedActionHandler(options: {
  db: Db;
  registry: ToolRegistry;
  events: EventBus;
}): JobHandler {
  const { db, events } = options;
  return async (job) => {
    const { actionId } = job.payload as { actionId: string };
    await runApprovedAction(options, { tenantId: job.tenantId, actionId });
    const action = await db.pendingAction.findFirst({
      where: { id: actionId, tenantId: job.tenantId, status: { in: ['done', 'failed'] } },
      select: { status: true, conversationId: true },
    });
    if (action)
      await events.publish(db, {
        type: 'action.status',
        tenantId: job.tenantId,
        actionId,
        conversationId: action.conversationId,
        status: action.status,
      });
  };
}
