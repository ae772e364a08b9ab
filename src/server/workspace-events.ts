import { writeAudit } from '../connectors/audit.ts';
import type { DispatcherDependencies, WaitingPiece } from '../dispatcher/deliver.ts';
import { CUSTOMER_ACTOR, reopenWhenCustomerWrites } from '../normalizer/conversation-state.ts';
import type { IngestItem, OnStored } from '../normalizer/ingest.ts';
import type { Ingestor } from '../normalizer/ingestor.ts';
import type { Db, DbTransaction } from '../store/index.ts';
import type { EventBus } from './events.ts';

type NeedsHumanRequest = { tenantId: string; conversationId: string; channel: string; reason?: string };
type NotifyStaff = (tx: DbTransaction, request: NeedsHumanRequest) => Promise<void>;

/**
 * Joins the pipeline to the live event stream. Each wrapper publishes in the transaction of
 * the change it reports, so an event exists exactly when the change was committed.
 */
export function workspaceEvents(events: EventBus, db: Db) {
  /**
   * A provider reported delivery statuses or edits (after the delivery was committed): each
   * message's conversation is told its current status, or that a message changed.
   */
  async function publishReported(item: IngestItem): Promise<void> {
    const reported = item.events.flatMap((event) =>
      event.type === 'status' || event.type === 'edit' || event.type === 'unsend'
        ? [{ providerMessageId: event.providerMessageId, edited: event.type !== 'status' }]
        : [],
    );
    if (reported.length === 0) return;
    const messages = await db.message.findMany({
      where: {
        tenantId: item.tenantId,
        channel: item.channel,
        providerMessageId: { in: reported.map((entry) => entry.providerMessageId) },
      },
      select: { providerMessageId: true, conversationId: true, status: true },
    });
    for (const message of messages) {
      const { tenantId } = item;
      const { conversationId } = message;
      const edited = reported.some(
        (entry) => entry.edited && entry.providerMessageId === message.providerMessageId,
      );
      await events.publish(
        db,
        edited
          ? { type: 'message.edited', tenantId, conversationId }
          : { type: 'message.status', tenantId, conversationId, status: message.status },
      );
    }
  }

  return {
    /** Deliveries as before; the statuses and edits in them are told live once stored. */
    ingestor(inner: Ingestor): Ingestor {
      return {
        async ingest(item) {
          const outcome = await inner.ingest(item);
          // Not awaited: the provider's answer does not wait for staff to be told.
          void publishReported(item).catch(() => undefined);
          return outcome;
        },
        drain: () => inner.drain(),
      };
    },

    /**
     * Replies a delivery run left for later, told live: held for a template
     * (`needs_template`) or waiting for a retry (`queued`). Final outcomes are told by `onOutcome`.
     */
    async onWaiting(tenantId: string, waiting: WaitingPiece[]): Promise<void> {
      for (const message of waiting)
        await events
          .publish(db, {
            type: 'message.status',
            tenantId,
            conversationId: message.conversationId,
            status: message.status,
          })
          .catch(() => undefined);
    },

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
        await events.publishAll(
          tx,
          messages.map((message) => ({
            type: 'message.created',
            tenantId: message.tenantId,
            conversationId: message.conversationId,
            direction: 'inbound',
          })),
        );
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
