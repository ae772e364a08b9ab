import type { FetchMessageObject, ImapFlow, MessageStructureObject } from 'imapflow';
import { z } from 'zod';
import type { Tool, ToolCaller } from '../types.ts';
import { outsideTextNotice } from '../untrusted.ts';
import { classifyMailError } from './errors.ts';
import { withImapSession } from './imap-session.ts';
import { readMailSettings } from './settings.ts';

const snippetLength = 200;
/** Enough of the text part for a snippet; a long mail is not downloaded whole. */
const snippetDownloadBytes = 4096;

export const readEmailsInput = z.object({
  limit: z.number().int().min(1).max(20).default(5).describe('How many of the latest emails, 1-20.'),
  unreadOnly: z.boolean().optional().describe('Only emails not yet read.'),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Only emails received at or after this ISO 8601 time.'),
});

export type ReadEmailsInput = z.infer<typeof readEmailsInput>;

/** One email as the model sees it: never the address list, never the whole body. */
export interface EmailSummary {
  from: string;
  subject: string;
  date: string;
  unread: boolean;
  snippet: string;
}

/** The first text/plain part, else the first text/html part, of a message's structure. */
function findTextPart(node: MessageStructureObject, wanted: string): string | undefined {
  if (node.type === wanted && node.disposition !== 'attachment') return node.part ?? '1';
  for (const child of node.childNodes ?? []) {
    const part = findTextPart(child, wanted);
    if (part) return part;
  }
  return undefined;
}

function toSnippet(text: string, html: boolean): string {
  const plain = html ? text.replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ') : text;
  const collapsed = plain.replace(/\s+/g, ' ').trim();
  return collapsed.length > snippetLength ? `${collapsed.slice(0, snippetLength - 1)}…` : collapsed;
}

async function readSnippet(client: ImapFlow, message: FetchMessageObject): Promise<string> {
  if (!message.bodyStructure) return '';
  const plainPart = findTextPart(message.bodyStructure, 'text/plain');
  const part = plainPart ?? findTextPart(message.bodyStructure, 'text/html');
  if (!part) return '';
  // download() undoes the transfer encoding and converts the charset to UTF-8.
  const download = await client.download(String(message.uid), part, {
    uid: true,
    maxBytes: snippetDownloadBytes,
  });
  if (!download.content) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of download.content) chunks.push(Buffer.from(chunk as Buffer));
  return toSnippet(Buffer.concat(chunks).toString('utf8'), plainPart === undefined);
}

/** Whether a message is from or to one of `addresses` (compared whole, lower-cased). */
function involves(message: FetchMessageObject, addresses: readonly string[]): boolean {
  const envelope = message.envelope;
  return [...(envelope?.from ?? []), ...(envelope?.to ?? [])].some((entry) =>
    addresses.includes((entry.address ?? '').toLowerCase()),
  );
}

/**
 * The latest emails of INBOX; with `addresses`, only those from or to one of them. The
 * server narrows by IMAP SEARCH FROM/TO, which matches substrings ("anna@x.org" is in
 * "joanna@x.org"), so every candidate is checked again here by whole address.
 */
async function latestEmails(
  client: ImapFlow,
  input: ReadEmailsInput,
  addresses: readonly string[] | undefined,
): Promise<EmailSummary[]> {
  // Read-only (EXAMINE): reading for the agent must not mark the business's mail as read.
  const lock = await client.getMailboxLock('INBOX', { readOnly: true });
  try {
    const since = input.since ? new Date(input.since) : undefined;
    const found = await client.search(
      {
        ...(input.unreadOnly ? { seen: false } : {}),
        ...(since ? { since } : {}),
        ...(addresses ? { or: addresses.flatMap((address) => [{ from: address }, { to: address }]) } : {}),
      },
      { uid: true },
    );
    if (!found || found.length === 0) return [];
    // UIDs grow with arrival; the highest are the latest. IMAP SINCE is by day, and FROM/TO
    // match substrings, so a few extra are fetched and filtered exactly below.
    const uids = [...found]
      .sort((a, b) => b - a)
      .slice(0, since || addresses ? input.limit * 3 : input.limit);
    const messages = await client.fetchAll(
      uids.join(','),
      { uid: true, envelope: true, internalDate: true, flags: true, bodyStructure: true },
      { uid: true },
    );
    const dated = messages
      .filter((message) => !addresses || involves(message, addresses))
      .map((message) => ({ message, date: new Date(message.internalDate ?? message.envelope?.date ?? 0) }))
      .filter(({ date }) => !since || date.getTime() >= since.getTime())
      .sort((a, b) => b.date.getTime() - a.date.getTime())
      .slice(0, input.limit);
    const summaries: EmailSummary[] = [];
    for (const { message, date } of dated) {
      const sender = message.envelope?.from?.[0];
      summaries.push({
        from: sender?.name || sender?.address || '',
        subject: message.envelope?.subject ?? '',
        date: date.toISOString(),
        unread: !message.flags?.has('\\Seen'),
        snippet: await readSnippet(client, message),
      });
    }
    return summaries;
  } finally {
    lock.release();
  }
}

/** The addresses a caller may read mail of: all (undefined) for staff, else their own verified ones. */
export function readableAddresses(caller: ToolCaller): readonly string[] | undefined {
  if (caller.kind === 'staff') return undefined;
  return caller.verified ? caller.emails : [];
}

/**
 * `read_emails`: the latest emails of the business's INBOX, newest first. For a customer only
 * the mail from or to their own verified addresses: the rest of the inbox does not exist for
 * them, whatever the arguments say.
 */
export const readEmailsTool: Tool<ReadEmailsInput> = {
  name: 'read_emails',
  description:
    'Read the latest emails, newest first: sender name, subject, time and a short snippet. In a customer conversation only the customer\'s own mail (from or to their address), e.g. to answer "did you get my email?".',
  connectorId: 'imap',
  provider: 'none',
  service: 'imap_mail',
  actionType: 'read_emails',
  audience: 'customer',
  reads: ['mail'],
  sideEffect: false,
  dataType: 'emails',
  inputSchema: readEmailsInput,
  async run(input, context) {
    const settings = readMailSettings(context.config);
    const addresses = readableAddresses(context.caller);
    if (addresses?.length === 0) {
      const scope =
        'The customer has no verified email address in this conversation, so none of their emails can be shown.';
      return { content: JSON.stringify({ scope, emails: [] }), itemsProcessed: 0 };
    }
    try {
      const emails = await withImapSession(settings.imap, context.egress, context.signal, (client) =>
        latestEmails(client, input, addresses),
      );
      const scope = addresses
        ? "Only emails from or to the customer's own address; the rest of the inbox is not shown."
        : 'The whole inbox.';
      return {
        content: JSON.stringify({ notice: outsideTextNotice, scope, emails }),
        itemsProcessed: emails.length,
      };
    } catch (error) {
      throw classifyMailError(error, 'IMAP', context.signal);
    }
  },
};
