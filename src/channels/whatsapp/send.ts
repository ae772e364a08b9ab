import { AppError } from '../../core/errors.ts';
import { readAccessToken, readGraphId } from '../meta/config.ts';
import { createGraphClient, type GraphObject } from '../meta/graph-client.ts';
import { failedSend } from '../meta/graph-errors.ts';
import type { OutboundMessage, SendContext, SendResult } from '../types.ts';

/** WhatsApp's limit for one text message body; the dispatcher splits longer replies. */
export const WHATSAPP_MAX_TEXT_LENGTH = 4096;

/** The read receipt and typing indicator are worth little once a few seconds have passed. */
const ACKNOWLEDGE_TIMEOUT_MS = 5_000;

/**
 * Sends one message through the Cloud API messages endpoint: free text, or, when the
 * dispatcher's policy set `template` (the 24-hour window has closed), the approved template
 * instead. Never throws: failures come back as `{ outcome: 'failed', error }` with a
 * catalogue code whose retryable flag the dispatcher follows, and without the token.
 */
export async function sendWhatsAppMessage(
  message: OutboundMessage,
  context: SendContext,
): Promise<SendResult> {
  try {
    const body = messageBody(message);
    const client = createGraphClient(context.environment, readAccessToken(context.config, 'access_token'));
    const phoneNumberId = readGraphId(context.config, 'phone_number_id');
    const answer = await client.post(`${phoneNumberId}/messages`, body);
    return { outcome: 'sent', providerMessageId: sentMessageId(answer) };
  } catch (error) {
    return failedSend(error, 'WhatsApp');
  }
}

/**
 * Marks an inbound message as read (blue ticks) and shows "typing…" until our reply
 * arrives, in one call. Best effort: a failure here must never delay or fail a reply.
 */
export async function markWhatsAppRead(providerMessageId: string, context: SendContext): Promise<void> {
  try {
    const client = createGraphClient(context.environment, readAccessToken(context.config, 'access_token'), {
      timeoutMs: ACKNOWLEDGE_TIMEOUT_MS,
    });
    await client.post(`${readGraphId(context.config, 'phone_number_id')}/messages`, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: providerMessageId,
      typing_indicator: { type: 'text' },
    });
  } catch {
    // Deliberately ignored; see above.
  }
}

/** The request body; throws AppError('VALIDATION_FAILED') for a text WhatsApp would refuse. */
function messageBody(message: OutboundMessage): GraphObject {
  const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.chatId };
  if (message.template !== undefined) {
    // Outside the window only the template itself may go out; its text was approved by Meta.
    return {
      ...envelope,
      type: 'template',
      template: { name: message.template.name, language: { code: message.template.language } },
    };
  }
  if (message.text.trim() === '') throw new AppError('VALIDATION_FAILED', 'message text is empty');
  if (message.text.length > WHATSAPP_MAX_TEXT_LENGTH) {
    throw new AppError(
      'VALIDATION_FAILED',
      `message text is ${message.text.length} characters; WhatsApp accepts at most ${WHATSAPP_MAX_TEXT_LENGTH}`,
    );
  }
  // No link previews: fetching them makes WhatsApp slower and shows content the agent did not choose.
  return { ...envelope, type: 'text', text: { body: message.text, preview_url: false } };
}

/** `{messages: [{id: "wamid…"}]}`: the id later statuses refer to. */
function sentMessageId(answer: GraphObject): string {
  const messages = answer.messages;
  const first = Array.isArray(messages) ? (messages[0] as { id?: unknown } | undefined) : undefined;
  if (typeof first?.id !== 'string' || first.id === '') {
    // Not retryable: the message may well have gone out, and a second send would duplicate it.
    throw new AppError(
      'DELIVERY_FAILED',
      'WhatsApp answered without a message id; the message is not sent again',
    );
  }
  return first.id;
}
