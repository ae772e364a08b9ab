import type { SmtpMail } from './smtp-transport.ts';

/** Why staff are told about a conversation. */
export type StaffNotice =
  | {
      kind: 'reply_dead_lettered';
      conversationId: string;
      channel: string;
      errorCode: string;
      /** The reason recorded on the messages: catalogue code and provider answer, no content. */
      reason: string;
    }
  | { kind: 'needs_human'; conversationId: string; channel: string; reason?: string }
  /** A Google or Microsoft grant stopped working (seen in this conversation's tool call). */
  | { kind: 'integration_reconnect_needed'; conversationId: string; provider: string }
  /** A channel's linked device was logged out (WhatsApp QR unlinked from the phone); no conversation. */
  | { kind: 'channel_logged_out'; channel: string; channelName: string };

/** What a notice may say about the conversation besides its id. */
export interface NoticeContext {
  tenantName: string;
  contactName: string | null;
}

/**
 * The short email for a notice. It names the business, the customer (as the channel shows
 * them), the channel, the conversation and why, and never what anyone wrote: notices pass
 * through mail servers outside the gateway.
 */
export function composeNotice(notice: StaffNotice, context: NoticeContext, to: string[]): SmtpMail {
  const customer = context.contactName ?? 'a customer';
  if (notice.kind === 'channel_logged_out') {
    return {
      to,
      subject: `[${context.tenantName}] ${notice.channelName} was logged out: link it again`,
      text: `The ${notice.channelName} link was logged out from the phone (or by WhatsApp), so messages on it are neither received nor answered. The stored link was deleted.\n\nOpen Integrations in Switchboard, choose Connect and scan the new QR code with the phone.\n`,
    };
  }
  if (notice.kind === 'integration_reconnect_needed') {
    return {
      to,
      subject: `[${context.tenantName}] Reconnect ${notice.provider}: its access was revoked or expired`,
      text: `The ${notice.provider} connection stopped working: the provider refused to renew its access. The agent cannot use its ${notice.provider} tools until someone connects it again.\n\nConversation where it was noticed: ${notice.conversationId}\n\nOpen Integrations in Switchboard and choose Connect.\n`,
    };
  }
  const where = `Channel: ${notice.channel}\nConversation: ${notice.conversationId}`;
  if (notice.kind === 'reply_dead_lettered') {
    return {
      to,
      subject: `[${context.tenantName}] A reply to ${customer} could not be delivered`,
      text: `Switchboard gave up delivering a reply to ${customer}.\n\n${where}\nReason: ${notice.reason}\n\nOpen the conversation in Switchboard to answer by hand or to retry.\n`,
    };
  }
  return {
    to,
    subject: `[${context.tenantName}] ${customer} needs a person`,
    text: `A conversation with ${customer} needs a member of staff.\n\n${where}${notice.reason ? `\nReason: ${notice.reason}` : ''}\n\nOpen the conversation in Switchboard to take it over.\n`,
  };
}
