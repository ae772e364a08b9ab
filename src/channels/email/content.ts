import type { MessagePart } from '../../normalizer/types.ts';
import { mediaTypeOf } from '../media-type.ts';
import { htmlToText } from './html-text.ts';
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
  // The HTML is converted only when no text part says it already: conversion is the costly step.
  return (
    present(email.StrippedTextReply) ??
    present(email.TextBody) ??
    (email.HtmlBody ? present(htmlToText(email.HtmlBody)) : undefined) ??
    present(email.Subject)
  );
}

function present(text: string | null | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
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
