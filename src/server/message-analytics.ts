// The message events, built where the pipeline's modules meet: the normalizer and the
// dispatcher report what they stored, this file turns it into catalog events, and neither of
// them imports analytics.
import type { TrackedEvent } from '../analytics/catalog.ts';
import type { DeliveryOutcome } from '../dispatcher/deliver.ts';
import type { StoredInbound } from '../normalizer/ingest.ts';

/** One `message_received` per stored inbound message. */
export function receivedEvents(messages: StoredInbound[]): TrackedEvent[] {
  return messages.map((message) => ({
    event: 'message_received',
    tenantId: message.tenantId,
    properties: { channel: message.channel, direction: 'inbound', conversation_id: message.conversationId },
  }));
}

/** `message_sent` for a delivered piece, `message_failed` for one dead-lettered or suppressed. */
export function outcomeEvent(outcome: DeliveryOutcome): TrackedEvent {
  const common = {
    channel: outcome.channel,
    direction: 'outbound',
    conversation_id: outcome.conversationId,
    attempts: outcome.attempts,
  } as const;
  if (outcome.outcome === 'sent')
    return { event: 'message_sent', tenantId: outcome.tenantId, properties: common };
  return {
    event: 'message_failed',
    tenantId: outcome.tenantId,
    properties: {
      ...common,
      reason: outcome.outcome === 'dead' ? 'dead_lettered' : 'suppressed',
      error_code: outcome.errorCode,
    },
  };
}
