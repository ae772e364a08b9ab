import { z } from 'zod';
import { isAppError } from '../../core/errors.ts';
import type { Tool } from '../../integrations/types.ts';
import { changeState } from '../../normalizer/conversation-state.ts';
import type { Db, DbTransaction } from '../../store/index.ts';

export interface RequestHumanOptions {
  db: Db;
  /** Tells staff, in the transaction that hands the conversation over. */
  notifyStaff(
    tx: DbTransaction,
    request: { tenantId: string; conversationId: string; channel: string; reason?: string },
  ): Promise<void>;
}

const input = z.strictObject({
  reason: z
    .enum(['customer_asked', 'cannot_help', 'complaint', 'other'])
    .default('customer_asked')
    .describe('why a person should take over'),
});

/**
 * Hands a conversation to staff: `needs_human` (written into the transcript) and a staff
 * notice in one transaction. Does nothing (and answers false) when the conversation is not
 * `bot`, so staff are told once.
 */
export function handOver(
  options: RequestHumanOptions,
  request: { tenantId: string; conversationId: string; reason: string },
): Promise<boolean> {
  const { db, notifyStaff } = options;
  const { tenantId, conversationId, reason } = request;
  return db
    .$transaction(async (tx) => {
      const { channel } = await changeState(tx, {
        tenantId,
        conversationId,
        transition: 'request_human',
        actor: 'agent',
      });
      await notifyStaff(tx, { tenantId, conversationId, channel, reason });
      return true;
    })
    .catch((error: unknown) => {
      if (isAppError(error) && error.code === 'CONFLICT') return false;
      throw error;
    });
}

/**
 * `request_human`: hands the conversation to staff. The conversation becomes `needs_human`
 * (the agent stops answering it) and staff are notified, both in one transaction; a
 * conversation already handed over is left as it is, so staff are told once.
 */
export function createRequestHumanTool(options: RequestHumanOptions): Tool<z.infer<typeof input>> {
  return {
    name: 'request_human',
    description:
      'Hand the conversation to a member of staff, when the customer asks for a person or you cannot help. Tell the customer that someone will get back to them.',
    provider: 'none',
    service: 'switchboard',
    actionType: 'other',
    audience: 'customer',
    reads: [],
    sideEffect: false,
    inputSchema: input,
    async run({ reason }, context) {
      const handedOver = await handOver(options, { ...context, reason });
      return {
        content: handedOver
          ? 'The conversation is handed to staff; they have been notified.'
          : 'Staff already have this conversation.',
        itemsProcessed: handedOver ? 1 : 0,
      };
    },
  };
}
