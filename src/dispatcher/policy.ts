import type { ChannelPolicy } from '../channels/types.ts';

const HOUR_MS = 60 * 60 * 1000;

export type PolicyDecision =
  | { action: 'send'; template?: { name: string; language: string }; humanAgentTag?: boolean }
  | { action: 'hold'; reason: string };

export interface PolicyInput {
  policy: ChannelPolicy | undefined;
  author: 'agent' | 'staff';
  /** When the customer last wrote in this conversation; null if never. */
  lastInboundAt: Date | null;
  nowMs: number;
  /** The tenant's pre-approved template for messages outside the window, if it configured one. */
  fallbackTemplate: { name: string; language: string } | undefined;
}

/**
 * Whether and how a message may go out under the channel's rules. Inside the
 * customer-service window anything may be sent. Outside it, a staff reply still within the
 * human-agent window goes out tagged; otherwise the configured template is sent instead,
 * and without one the message is held (status `needs_template`) rather than sent free-form
 * against the provider's rules.
 */
export function decideDelivery(input: PolicyInput): PolicyDecision {
  const windowHours = input.policy?.customerServiceWindowHours;
  if (windowHours === undefined) return { action: 'send' };
  const sinceCustomerMs = input.lastInboundAt
    ? input.nowMs - input.lastInboundAt.getTime()
    : Number.POSITIVE_INFINITY;
  if (sinceCustomerMs <= windowHours * HOUR_MS) return { action: 'send' };
  const humanAgentHours = input.policy?.humanAgentWindowHours;
  if (
    input.author === 'staff' &&
    humanAgentHours !== undefined &&
    sinceCustomerMs <= humanAgentHours * HOUR_MS
  ) {
    return { action: 'send', humanAgentTag: true };
  }
  if (input.fallbackTemplate) return { action: 'send', template: input.fallbackTemplate };
  return {
    action: 'hold',
    reason: `the ${windowHours}-hour customer-service window has closed and no template is configured; the message is sent when the customer writes again`,
  };
}
