import type { ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import type { InboundEvent, MessageKind, MessagePart, Sender } from '../../normalizer/types.ts';
import { readJsonObject } from '../json-body.ts';
import type { WebhookRequest } from '../types.ts';
import { fromAddressOf } from './config.ts';
import { attachmentParts, emailText } from './content.ts';
import { headerValue, isAutomated, messageIds, threadReferences } from './headers.ts';
import { type InboundEmail, inboundEmailSchema } from './schema.ts';
import { senderVerified } from './sender-authentication.ts';

/** Issues quoted in a MALFORMED_PAYLOAD message; more would bury the first one. */
const MAX_REPORTED_ISSUES = 3;

/** Something shaped like an address; Postmark has parsed the header already. */
const ADDRESS = /^[^@\s<>]+@[^@\s<>]+$/;

/** The latest date JavaScript and both databases represent (9999-12-31). */
const LATEST_DATE_MS = 253_402_300_799_000;

/**
 * Reads one Postmark inbound webhook (one email) into a message event. The dedupe key is
 * Postmark's `MessageID`; replies go to the sender's address, and the In-Reply-To and
 * References headers let the normalizer file the email in the conversation it answers.
 * Automatic replies, spam and our own mail coming back give `[]`, so they are acknowledged
 * but never answered. Throws AppError('MALFORMED_PAYLOAD') when the body is not an inbound
 * email.
 */
export function parsePostmarkInbound(request: WebhookRequest, config: ConnectorValues): InboundEvent[] {
  const email = readEmail(request.rawBody);
  const sender = senderOf(email);
  const headers = email.Headers ?? [];
  if (isAutomated(headers) || sender.externalId === fromAddressOf(config)) return [];
  const text = emailText(email);
  const attachments = attachmentParts(email);
  const messageId = messageIds(headerValue(headers, 'Message-ID'))[0];
  const thread: MessagePart = {
    type: 'thread',
    subject: email.Subject ?? '',
    ...(messageId === undefined ? {} : { messageId }),
  };
  const parts: MessagePart[] = [
    ...(text === undefined ? [] : [{ type: 'text' as const, text }]),
    ...attachments,
    thread,
  ];
  const references = threadReferences(headers);
  const verified = senderVerified(headers, sender.externalId);
  return [
    {
      type: 'message',
      providerMessageId: email.MessageID,
      chatId: sender.externalId,
      sender,
      sentAt: sentAtOf(email.Date),
      kind: kindOf(text, attachments.length),
      text,
      parts,
      ...(references.length > 0 ? { threadReferences: references } : {}),
      ...(verified === undefined ? {} : { senderVerified: verified }),
    },
  ];
}

function readEmail(rawBody: Buffer): InboundEmail {
  const body = readJsonObject(rawBody, 'Postmark sends one inbound email object');
  if (!('MessageID' in body)) {
    throw new AppError('MALFORMED_PAYLOAD', 'MessageID is missing; this is not a Postmark inbound email');
  }
  const result = inboundEmailSchema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, MAX_REPORTED_ISSUES)
      .map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
    throw new AppError('MALFORMED_PAYLOAD', `not a valid Postmark inbound email: ${issues.join('; ')}`);
  }
  return result.data;
}

/** `FromFull` is the parsed sender; `From` is the same address for older or hand-made payloads. */
function senderOf(email: InboundEmail): Sender {
  const address = (email.FromFull?.Email || email.From || '').trim().toLowerCase();
  if (!ADDRESS.test(address)) {
    throw new AppError(
      'MALFORMED_PAYLOAD',
      address === '' ? 'FromFull.Email is missing' : 'FromFull.Email is not an email address',
    );
  }
  const name = (email.FromFull?.Name || email.FromName || '').trim();
  return name === '' ? { externalId: address } : { externalId: address, displayName: name };
}

function kindOf(text: string | undefined, attachmentCount: number): MessageKind {
  if (attachmentCount > 0) return 'media';
  return text === undefined ? 'unsupported' : 'text';
}

/** The sender's `Date` header; their clock and format vary, so anything unusable means "now". */
function sentAtOf(date: string | null | undefined): Date {
  const milliseconds = date ? Date.parse(date) : Number.NaN;
  return Number.isFinite(milliseconds) && milliseconds >= 0 && milliseconds <= LATEST_DATE_MS
    ? new Date(milliseconds)
    : new Date();
}
