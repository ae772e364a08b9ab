// Gmail over its REST API (v1), typed to the fields the mail tools read.
import type { ApiSession } from '../oauth/api-session.ts';
import type { ListedEmail, MailApi } from '../oauth/tools/mail-tools.ts';

interface GmailList {
  messages?: { id: string }[];
}

interface GmailMessage {
  id: string;
  labelIds?: string[];
  snippet?: string;
  internalDate?: string;
  payload?: { headers?: { name: string; value: string }[] };
}

const ADDRESS = /[^\s<>,;"']+@[^\s<>,;"']+/g;

/** Every address in header values such as `"Ada" <ada@example.com>, bob@example.com`. */
export function addressesIn(...values: string[]): string[] {
  return values.flatMap((value) => value.match(ADDRESS) ?? []).map((address) => address.toLowerCase());
}

/** The display name of a From header, else its address. */
export function senderName(from: string): string {
  const name = from
    .replace(/<[^>]*>/, '')
    .replace(/"/g, '')
    .trim();
  return name || (from.match(ADDRESS)?.[0] ?? '');
}

/** Gmail's API below the operator's GOOGLE_API_URL. */
export function gmailApi(apiUrl: string): MailApi {
  const base = `${apiUrl}/gmail/v1/users/me`;
  return {
    async latest(api: ApiSession, input, addresses) {
      const query = ['in:inbox'];
      if (input.unreadOnly) query.push('is:unread');
      if (input.since) query.push(`after:${Math.floor(new Date(input.since).getTime() / 1000)}`);
      if (addresses)
        query.push(`{${addresses.flatMap((address) => [`from:${address}`, `to:${address}`]).join(' ')}}`);
      const list = new URL(`${base}/messages`);
      list.searchParams.set('q', query.join(' '));
      list.searchParams.set('maxResults', String(addresses ? input.limit * 3 : input.limit));
      const found = await api.json<GmailList>(list.toString(), { what: 'gmail messages.list' });
      const emails: ListedEmail[] = [];
      for (const { id } of found.messages ?? []) {
        const url = new URL(`${base}/messages/${encodeURIComponent(id)}`);
        url.searchParams.set('format', 'metadata');
        for (const header of ['From', 'To', 'Cc', 'Subject'])
          url.searchParams.append('metadataHeaders', header);
        const message = await api.json<GmailMessage>(url.toString(), { what: 'gmail messages.get' });
        const header = (name: string) =>
          message.payload?.headers?.find((entry) => entry.name.toLowerCase() === name.toLowerCase())?.value ??
          '';
        emails.push({
          fromName: senderName(header('From')),
          addresses: addressesIn(header('From'), header('To'), header('Cc')),
          subject: header('Subject'),
          date: new Date(Number(message.internalDate ?? 0)).toISOString(),
          unread: message.labelIds?.includes('UNREAD') ?? false,
          snippet: message.snippet ?? '',
        });
      }
      return emails.sort((a, b) => b.date.localeCompare(a.date));
    },

    async wasSent(api, messageId) {
      const url = new URL(`${base}/messages`);
      url.searchParams.set('q', `rfc822msgid:${messageId.replace(/[<>]/g, '')}`);
      const found = await api.json<GmailList>(url.toString(), { what: 'gmail messages.list' });
      return (found.messages ?? []).length > 0;
    },

    async send(api, email) {
      const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
      const raw = await new MailComposer({
        to: email.to,
        subject: email.subject,
        text: email.body,
        messageId: email.messageId,
      })
        .compile()
        .build();
      await api.send(`${base}/messages/send`, {
        what: 'gmail messages.send',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ raw: raw.toString('base64url') }),
      });
    },
  };
}
