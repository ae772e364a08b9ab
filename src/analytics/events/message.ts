// Message events: what the gateway itself records about the traffic it carries. Channel,
// direction, the conversation's own id and counts — never a word of the message, never the
// provider's id of the sender or chat.
import { z } from 'zod';
import { count, identifier, opaqueId } from './fields.ts';

/** Why a reply did not go out: the dispatcher gave up, or the contact had opted out. */
export const failureReason = z.enum(['dead_lettered', 'suppressed']);

export const handoffReason = z.enum(['customer_request', 'agent_escalation', 'staff_takeover', 'other']);

/** Property schemas of the message events, by event name. */
export const messageEvents = {
  message_received: z.strictObject({
    channel: identifier,
    direction: z.literal('inbound'),
    conversation_id: opaqueId,
  }),
  message_sent: z.strictObject({
    channel: identifier,
    direction: z.literal('outbound'),
    conversation_id: opaqueId,
    attempts: count,
  }),
  message_failed: z.strictObject({
    channel: identifier,
    direction: z.literal('outbound'),
    conversation_id: opaqueId,
    attempts: count,
    reason: failureReason,
    /** An error code of the gateway's catalogue (src/core/errors.ts); null when suppressed. */
    error_code: z
      .string()
      .regex(/^[A-Z][A-Z_]{0,39}$/, 'must be an error code such as PROVIDER_REJECTED')
      .nullable(),
  }),
  message_handoff: z.strictObject({
    channel: identifier,
    conversation_id: opaqueId,
    reason: handoffReason,
  }),
};
