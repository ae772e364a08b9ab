import { type ToolCaller, ToolError } from '../types.ts';

/**
 * Whom `send_email` may write to for this caller. Staff: anyone. A customer: their own
 * verified addresses and the staff addresses the tenant configured ("forward this to the
 * team"), nothing else, whatever the model was told. A refusal is `permission_denied`, so
 * the model learns the rule and the call is recorded as refused.
 */
export function checkRecipient(to: string, caller: ToolCaller, staffAddresses: readonly string[]): void {
  if (caller.kind === 'staff') return;
  const recipient = to.trim().toLowerCase();
  if (staffAddresses.includes(recipient)) return;
  if (caller.verified && caller.emails.includes(recipient)) return;
  throw new ToolError(
    'permission_denied',
    "send_email: a customer conversation may only send to the customer's own address or to the team's addresses",
  );
}
