import type { ImapFlow } from 'imapflow';

/** The folder created for sent mail when the account has none. */
const defaultSentFolder = 'Sent';

/**
 * The account's folder for sent mail: the one the server (or imapflow, by its localized
 * names: "Sent", "Gesendet"…) marks `\Sent`, else `Sent`, created when missing.
 */
export async function sentFolder(client: ImapFlow): Promise<string> {
  const folders = await client.list();
  const marked = folders.find((folder) => folder.specialUse === '\\Sent');
  if (marked) return marked.path;
  if (!folders.some((folder) => folder.path === defaultSentFolder))
    await client.mailboxCreate(defaultSentFolder);
  return defaultSentFolder;
}

/** Whether a folder holds a message with this Message-ID (IMAP `SEARCH HEADER Message-ID`). */
export async function holdsMessage(client: ImapFlow, folder: string, messageId: string): Promise<boolean> {
  const lock = await client.getMailboxLock(folder, { readOnly: true });
  try {
    const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
    return Array.isArray(found) && found.length > 0;
  } finally {
    lock.release();
  }
}
