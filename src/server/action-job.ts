import { runApprovedAction } from '../agent/approved-action.ts';
import type { ToolRegistry } from '../agent/tool-registry.ts';
import type { JobHandler } from '../queue/worker.ts';
import type { Db } from '../store/index.ts';

export const APPROVED_ACTION_JOB = 'agent.approved_action';

/** The job that runs an action staff approved; see `runApprovedAction`. */
export function createApprovedActionHandler(options: { db: Db; registry: ToolRegistry }): JobHandler {
  return async (job) => {
    const { actionId } = job.payload as { actionId: string };
    await runApprovedAction(options, { tenantId: job.tenantId, actionId });
  };
}
