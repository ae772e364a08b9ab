import type { Db } from '../store/index.ts';
import { customerCaller } from './caller.ts';
import type { ToolRegistry } from './tool-registry.ts';

/**
 * Runs an approved action once, through the registry like any call: the conversation's
 * customer as caller (the tool's scope still holds), analytics and transcript as usual, and
 * the call key `action:<id>`, so a re-run of this job after a crash returns the recorded
 * outcome instead of acting again. Anything but an `approved` action is left alone.
 */
export async function runApprovedAction(
  options: { db: Db; registry: ToolRegistry },
  request: { tenantId: string; actionId: string },
): Promise<void> {
  const { db, registry } = options;
  const { tenantId, actionId } = request;
  const action = await db.pendingAction.findFirst({ where: { id: actionId, tenantId, status: 'approved' } });
  if (!action) return;
  const conversation = await db.conversation.findFirst({
    where: { id: action.conversationId, tenantId },
    select: { channel: true, contactId: true },
  });
  if (!conversation) return;
  // A person read the arguments and approved them: that vouches for the request as a
  // verified sender would.
  const caller = await customerCaller(db, tenantId, conversation.contactId, true);
  const turn = await registry.forTurn(
    {
      tenantId,
      conversationId: action.conversationId,
      channel: conversation.channel,
      agentId: tenantId,
      caller,
      turnKey: `action:${action.id}`,
    },
    [action.tool],
    { maxToolCalls: 1 },
  );
  const outcome = await turn.run(action.tool, JSON.parse(action.input) as unknown, { round: 0, index: 0 });
  await db.pendingAction.updateMany({
    where: { id: action.id, tenantId, status: 'approved' },
    data: { status: outcome.ok ? 'done' : 'failed', outcome: JSON.stringify(outcome.record) },
  });
}
