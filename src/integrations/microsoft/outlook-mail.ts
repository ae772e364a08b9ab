// Outlook mail over Microsoft Graph (the signed-in user's mailbox).
import type { MailApi } from '../oauth/tools/mail-tools.ts';
import type { GraphClient } from './graph-client.ts';

interface Recipient {
  emailAddress?: { name?: string; address?: string };
}

interface GraphMessage {
  id: string;
  isDraft?: boolean;
  from?: Recipient;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  subject?: string;
  receivedDateTime?: string;
  isRead?: boolean;
  bodyPreview?: string;
}

/** Graph caps a page at this many; a customer's mail is picked from the latest page. */
const MAX_PAGE = 50;

export function outlookMailApi(graph: GraphClient): MailApi {
  const withId = (api: Parameters<MailApi['wasSent']>[0], messageId: string) =>
    graph.get<{ value: GraphMessage[] }>(api, '/me/messages', {
      $filter: `internetMessageId eq '${messageId.replace(/'/g, "''")}'`,
      $select: 'id,isDraft',
    });
  return {
    async latest(api, input, addresses) {
      const filters: string[] = [];
      if (input.unreadOnly) filters.push('isRead eq false');
      if (input.since) filters.push(`receivedDateTime ge ${new Date(input.since).toISOString()}`);
      const query: Record<string, string> = {
        $top: String(addresses ? MAX_PAGE : input.limit),
        $select: 'from,toRecipients,ccRecipients,subject,receivedDateTime,isRead,bodyPreview',
        $orderby: 'receivedDateTime desc',
      };
      if (filters.length > 0) query.$filter = filters.join(' and ');
      const page = await graph.get<{ value: GraphMessage[] }>(api, '/me/mailFolders/inbox/messages', query);
      return page.value.map((message) => ({
        fromName: message.from?.emailAddress?.name || message.from?.emailAddress?.address || '',
        addresses: [message.from, ...(message.toRecipients ?? []), ...(message.ccRecipients ?? [])]
          .map((recipient) => recipient?.emailAddress?.address?.toLowerCase() ?? '')
          .filter(Boolean),
        subject: message.subject ?? '',
        date: new Date(message.receivedDateTime ?? 0).toISOString(),
        unread: message.isRead === false,
        snippet: message.bodyPreview ?? '',
      }));
    },

    async wasSent(api, messageId) {
      return (await withId(api, messageId)).value.some((message) => !message.isDraft);
    },

    async send(api, email) {
      // A draft left by a run cut off between creating and sending it is sent, not duplicated.
      const draft = (await withId(api, email.messageId)).value.find((message) => message.isDraft);
      const id =
        draft?.id ??
        (
          await graph.post<GraphMessage>(api, '/me/messages', {
            subject: email.subject,
            body: { contentType: 'Text', content: email.body },
            toRecipients: [{ emailAddress: { address: email.to } }],
            internetMessageId: email.messageId,
          })
        )?.id;
      await graph.post(api, `/me/messages/${encodeURIComponent(id ?? '')}/send`, {});
    },
  };
}
