import type { Header } from 'postmark';
import { AppError } from '../../core/errors.ts';
import type { OutboundMessage, SendContext, SendResult } from '../types.ts';
import { createPostmarkConnection, type PostmarkConnection } from './client.ts';
import { readFromAddress, readMessageStream, readServerToken } from './config.ts';
import { toPostmarkError } from './errors.ts';
import { replySubject } from './subject.ts';

/**
 * Longest reply sent as one email. Postmark takes messages up to 10 MB, so this is far below
 * its limit; it only keeps an agent gone wrong from mailing a novel.
 */
export const EMAIL_MAX_TEXT_LENGTH = 100_000;

/** The metadata key every reply carries with its delivery id (Postmark allows 20 characters). */
export const DELIVERY_METADATA_KEY = 'switchboard_delivery';

/**
 * References kept in the header: the first message of the thread and the latest ones.
 * RFC 5322 allows dropping the middle of a long chain; clients thread on any match.
 */
const MAX_REFERENCES = 20;

/**
 * Postmark names each outgoing email's `Message-ID` header `<MessageID@mtasv.net>` after the
 * `MessageID` its API returns; a customer's reply references that header, so that is the
 * form stored as the outbound message's provider id.
 */
export function postmarkMessageIdHeader(messageId: string): string {
  return `<${messageId}@mtasv.net>`;
}

/**
 * Sends one reply through Postmark's `/email` API, threaded: `In-Reply-To` names the latest
 * message of the conversation, `References` the conversation's message ids, and the subject
 * is `Re: <the customer's subject>`. Never throws: every failure comes back as
 * `{ outcome: 'failed', error }` with a catalogue code whose retryable flag the dispatcher
 * follows, and with the server token scrubbed from its message.
 */
export async function sendPostmarkEmail(message: OutboundMessage, context: SendContext): Promise<SendResult> {
  const problem = textProblem(message.text);
  if (problem !== undefined) return { outcome: 'failed', error: new AppError('VALIDATION_FAILED', problem) };
  const token = context.config.server_token;
  let connection: PostmarkConnection | undefined;
  try {
    connection = await createPostmarkConnection(readServerToken(context.config), context.environment);
    const response = await connection.client.sendEmail({
      From: readFromAddress(context.config),
      To: message.chatId,
      Subject: replySubject(message.thread?.subject),
      TextBody: message.text,
      MessageStream: readMessageStream(context.config),
      Headers: threadHeaders(message.thread?.references ?? []),
      // Lets `findPostmarkEmail` find this email again after a crash hid Postmark's answer.
      ...(message.deliveryId ? { Metadata: { [DELIVERY_METADATA_KEY]: message.deliveryId } } : {}),
    });
    if (typeof response.MessageID !== 'string' || response.MessageID === '') {
      return {
        outcome: 'failed',
        error: new AppError(
          'PROVIDER_UNAVAILABLE',
          'Postmark accepted the email but answered without a MessageID',
        ),
      };
    }
    return { outcome: 'sent', providerMessageId: postmarkMessageIdHeader(response.MessageID) };
  } catch (error) {
    return {
      outcome: 'failed',
      error: toPostmarkError(error, 'send the email', { token, retryAfterMs: connection?.retryAfterMs() }),
    };
  }
}

/** `In-Reply-To` and `References` for the thread; none for a message that starts one. */
function threadHeaders(references: string[]): Header[] {
  const latest = references.at(-1);
  if (latest === undefined) return [];
  const kept =
    references.length <= MAX_REFERENCES
      ? references
      : [references[0]!, ...references.slice(-(MAX_REFERENCES - 1))];
  return [
    { Name: 'In-Reply-To', Value: latest },
    { Name: 'References', Value: kept.join(' ') },
  ];
}

/** Empty and oversized texts are our bugs, not Postmark's: they fail without a call. */
function textProblem(text: string): string | undefined {
  if (text.trim() === '') return 'message text is empty';
  if (text.length > EMAIL_MAX_TEXT_LENGTH) {
    return `message text is ${text.length} characters; an email reply holds at most ${EMAIL_MAX_TEXT_LENGTH}`;
  }
  return undefined;
}
