// `read_emails` and `send_email` on a provider's mail API (Gmail, Outlook), with the names,
// arguments, customer scope and idempotency of the IMAP tools: a customer reads only mail from
// or to their own verified address and sends only to it, and a send carries a Message-ID
// derived from the call's key that is looked for in the sent mail before sending.

import { type ReadEmailsInput, readableAddresses, readEmailsInput } from '../../imap/read-emails.ts';
import { checkRecipient } from '../../imap/recipients.ts';
import { type SendEmailInput, sendEmailInput } from '../../imap/send-email.ts';
import { providerId } from '../../provider-id.ts';
import type { Tool } from '../../types.ts';
import { outsideTextNotice } from '../../untrusted.ts';
import type { ApiSession } from '../api-session.ts';
import { oauthTool, type ToolTarget } from './oauth-tool.ts';

/** One email as a provider lists it, with the addresses to check the customer scope on. */
export interface ListedEmail {
  fromName: string;
  /** Sender and recipients, lower-cased. */
  addresses: string[];
  subject: string;
  date: string;
  unread: boolean;
  snippet: string;
}

export interface OutgoingEmail {
  to: string;
  subject: string;
  body: string;
  /** `<switchboard-…@switchboard.invalid>`: the same on every run of the call. */
  messageId: string;
}

/** What the mail tools need of a provider's API. */
export interface MailApi {
  /** The latest inbox mail, newest first; with `addresses`, narrowed to mail from or to them. */
  latest(
    api: ApiSession,
    input: ReadEmailsInput,
    addresses: readonly string[] | undefined,
  ): Promise<ListedEmail[]>;
  /** Whether mail with this Message-ID was sent already. */
  wasSent(api: ApiSession, messageId: string): Promise<boolean>;
  send(api: ApiSession, email: OutgoingEmail): Promise<void>;
}

export function mailTools(target: ToolTarget, mail: MailApi): Tool[] {
  const readEmails = oauthTool<ReadEmailsInput>(target, {
    name: 'read_emails',
    description:
      'Read the latest emails, newest first: sender name, subject, time and a short snippet. In a customer conversation only the customer\'s own mail (from or to their address), e.g. to answer "did you get my email?".',
    actionType: 'read_emails',
    audience: 'customer',
    reads: ['mail'],
    sideEffect: false,
    dataType: 'emails',
    inputSchema: readEmailsInput,
    async run(input, context, api) {
      const addresses = readableAddresses(context.caller);
      if (addresses?.length === 0) {
        const scope =
          'The customer has no verified email address in this conversation, so none of their emails can be shown.';
        return { content: JSON.stringify({ scope, emails: [] }), itemsProcessed: 0 };
      }
      // The provider's search narrows; every result is checked again by whole address here.
      const emails = (await mail.latest(api, input, addresses))
        .filter((email) => !addresses || email.addresses.some((address) => addresses.includes(address)))
        .slice(0, input.limit)
        .map(({ addresses: _addresses, fromName, ...rest }) => ({ from: fromName, ...rest }));
      const scope = addresses
        ? "Only emails from or to the customer's own address; the rest of the inbox is not shown."
        : 'The whole inbox.';
      return {
        content: JSON.stringify({ notice: outsideTextNotice, scope, emails }),
        itemsProcessed: emails.length,
      };
    },
  });

  const sendEmail = oauthTool<SendEmailInput>(target, {
    name: 'send_email',
    description:
      "Send a plain-text email from the business's address to one recipient: in a customer conversation only to the customer's own address.",
    actionType: 'send_email',
    audience: 'customer',
    reads: ['mail'],
    sideEffect: true,
    inputSchema: sendEmailInput,
    async run(input, context, api) {
      checkRecipient(input.to, context.caller, []);
      const messageId = `<switchboard-${providerId(context)}@switchboard.invalid>`;
      const alreadySent = await mail.wasSent(api, messageId);
      if (!alreadySent) await mail.send(api, { ...input, messageId });
      return { content: JSON.stringify({ sent: true, accepted: 1 }), itemsProcessed: 1 };
    },
  });

  return [readEmails as Tool, sendEmail as Tool];
}
