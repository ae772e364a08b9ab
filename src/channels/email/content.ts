import type { MessagePart } from '../../normalizer/types.ts';
import { mediaTypeOf } from '../media-type.ts';
import { attachmentSchema, type InboundEmail } from './schema.ts';

/**
 * Attachments larger than this are recorded as too large. Postmark accepts inbound mail up
 * to 35 MB; one file of more than 10 MB is rarely something an agent or staff should open.
 */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

type MediaPart = Extract<MessagePart, { type: 'media' }>;

/**
 * What the customer wrote: the reply without the quoted history when Postmark could strip
 * it, else the plain-text body, else the HTML body reduced to text, else the subject (a mail
 * that says everything in its subject line). Undefined when all are blank.
 */
export function emailText(email: InboundEmail): string | undefined {
  const candidates = [
    email.StrippedTextReply,
    email.TextBody,
    email.HtmlBody ? htmlToText(email.HtmlBody) : undefined,
    email.Subject,
  ];
  return candidates.find((text): text is string => typeof text === 'string' && text.trim() !== '')?.trim();
}

/**
 * Each attachment as a media reference; the bytes (inline base64 in the webhook) are never
 * kept. Postmark keeps the inbound message for its retention period, so the reference names
 * the message and the attachment's position in it. An attachment that is not shaped like
 * one is left out rather than failing the email.
 */
export function attachmentParts(email: InboundEmail): MediaPart[] {
  const parts: MediaPart[] = [];
  for (const [index, raw] of (email.Attachments ?? []).entries()) {
    const parsed = attachmentSchema.safeParse(raw);
    if (!parsed.success) continue;
    const attachment = parsed.data;
    // The decoded length of the content is the truth; ContentLength is what the sender claimed.
    const sizeBytes = attachment.Content
      ? Buffer.byteLength(attachment.Content, 'base64')
      : (attachment.ContentLength ?? undefined);
    const mimeType = attachment.ContentType?.toLowerCase() || undefined;
    parts.push({
      type: 'media',
      mediaType: mediaTypeOf(mimeType),
      providerFileId: `${email.MessageID}/attachments/${index}`,
      mimeType,
      fileName: attachment.Name,
      sizeBytes,
      ...(sizeBytes !== undefined && sizeBytes > MAX_ATTACHMENT_BYTES ? { tooLarge: true } : {}),
    });
  }
  return parts;
}

/** The named entities mail clients commonly write; German umlauts included. Names are case-sensitive. */
const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
  szlig: 'ß',
  euro: '€',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  laquo: '«',
  raquo: '»',
  copy: '©',
};

/**
 * A readable plain-text version of an HTML body: line breaks where blocks end, no tags,
 * scripts or styles, common entities decoded. For mail that arrives without a text part;
 * it is not a renderer.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => decodeEntity(name) ?? entity)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntity(name: string): string | undefined {
  if (!name.startsWith('#')) return Object.hasOwn(ENTITIES, name) ? ENTITIES[name] : undefined;
  const hex = name[1] === 'x' || name[1] === 'X';
  const code = hex ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}
