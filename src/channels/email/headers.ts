import type { EmailHeader } from './schema.ts';

/** Enough to find the conversation; a longer chain only makes the lookup slower. */
const MAX_THREAD_REFERENCES = 50;

const MESSAGE_ID = /<[^<>\s]+>/g;

/** The first header of that name (header names are case-insensitive), or undefined. */
export function headerValue(headers: EmailHeader[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  return headers.find((header) => header.Name.toLowerCase() === wanted)?.Value;
}

/**
 * The message ids in a header value, each in its `<id@host>` form. A value without angle
 * brackets (some clients write a bare id) counts as one id.
 */
export function messageIds(value: string | undefined): string[] {
  if (value === undefined) return [];
  const bracketed = value.match(MESSAGE_ID);
  if (bracketed !== null) return bracketed;
  const bare = value.trim();
  return bare !== '' && !/\s/.test(bare) ? [`<${bare}>`] : [];
}

/**
 * The messages this email answers, most relevant first: the one it replies to, then the
 * rest of the thread from newest to oldest (`References` lists the oldest first).
 */
export function threadReferences(headers: EmailHeader[]): string[] {
  const inReplyTo = messageIds(headerValue(headers, 'In-Reply-To'));
  const references = messageIds(headerValue(headers, 'References')).reverse();
  return [...new Set([...inReplyTo, ...references])].slice(0, MAX_THREAD_REFERENCES);
}

/**
 * Mail that must not be answered, because a robot sent it: automatic replies (RFC 3834's
 * `Auto-Submitted`, the older `X-Autoreply` and `Precedence` conventions) and what
 * Postmark's SpamAssassin check marks as spam. Answering an out-of-office reply invites
 * another one, without end.
 */
export function isAutomated(headers: EmailHeader[]): boolean {
  const autoSubmitted = headerValue(headers, 'Auto-Submitted')?.trim().toLowerCase();
  if (autoSubmitted !== undefined && autoSubmitted !== '' && autoSubmitted !== 'no') return true;
  if (headerValue(headers, 'X-Autoreply') !== undefined) return true;
  if (headerValue(headers, 'X-Autorespond') !== undefined) return true;
  const precedence = headerValue(headers, 'Precedence')?.trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'auto_reply') return true;
  return /^\s*yes\b/i.test(headerValue(headers, 'X-Spam-Status') ?? '');
}
