import { writeAudit } from '../connectors/audit.ts';
import type { DispatcherDependencies } from '../dispatcher/deliver.ts';
import { CUSTOMER_ACTOR, reopenWhenCustomerWrites } from '../normalizer/conversation-state.ts';
import type { OnStored } from '../normalizer/ingest.ts';
import type { DbTransaction } from '../store/index.ts';
import type { EventBus } from './events.ts';

type NeedsHumanRequest = { tenantId: string; conversationId: string; channel: string; reason?: string };
type NotifyStaff = (tx: DbTransaction, request: NeedsHumanRequest) => Promise<void>;

/**
 * Joins the pipeline to the live event stream. Each wrapper publishes in the transaction of
 * the change it reports, so an event exists exactly when the change was committed.
 */
export function workspaceEvents(events: EventBus) {
  return {
    /** New inbound messages; a closed conversation the customer wrote to is reopened first, audited. */
    onStored(next: OnStored): OnStored {
      return async (tx, messages) => {
        for (const { tenantId, conversationId } of await reopenWhenCustomerWrites(tx, messages)) {
          await writeAudit(tx, {
            tenantId,
            actor: CUSTOMER_ACTOR,
            action: 'conversation.reopen',
            target: conversationId,
            details: { from: 'closed', to: 'bot' },
          });
          await events.publish(tx, { type: 'conversation.state', tenantId, conversationId, state: 'bot' });
        }
        await next(tx, messages);
        for (const message of messages)
          await events.publish(tx, {
            type: 'message.created',
            tenantId: message.tenantId,
            conversationId: message.conversationId,
            direction: 'inbound',
          });
      };
    },

    /** A reply's final delivery outcome: sent, dead-lettered or suppressed. */
    onOutcome(next: DispatcherDependencies['onOutcome']): DispatcherDependencies['onOutcome'] {
      return async (tx, outcome) => {
        await next?.(tx, outcome);
        await events.publish(tx, {
          type: 'message.status',
          tenantId: outcome.tenantId,
          conversationId: outcome.conversationId,
          status: outcome.outcome,
        });
      };
    },

    /** The agent (or a customer's request) handed the conversation to staff: audited and live. */
    needsHuman(next: NotifyStaff): NotifyStaff {
      return async (tx, request) => {
        await next(tx, request);
        await writeAudit(tx, {
          tenantId: request.tenantId,
          actor: 'agent',
          action: 'conversation.request_human',
          target: request.conversationId,
          details: { from: 'bot', to: 'needs_human', reason: request.reason ?? null },
        });
        await events.publish(tx, {
          type: 'conversation.state',
          tenantId: request.tenantId,
          conversationId: request.conversationId,
          state: 'needs_human',
        });
      };
    },
  };
}
