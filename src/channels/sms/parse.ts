import type { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { DeliveryStatus, InboundEvent, MessagePart, Sender } from '../../normalizer/types.ts';
import { mediaTypeOf } from '../media-type.ts';
import type { WebhookRequest } from '../types.ts';
import { describeTwilioError, UNSUBSCRIBED_RECIPIENT } from './errors.ts';
import { readForm, type TwilioParameters } from './form.ts';
import { inboundKeyword } from './keywords.ts';
import { inboundSchema, statusSchema, type TwilioInbound, type TwilioStatusCallback } from './schema.ts';

/** Issues quoted in a MALFORMED_PAYLOAD message; more would bury the first one. */
const MAX_REPORTED_ISSUES = 3;

/** Twilio allows ten media files per MMS; a larger count is not a Twilio webhook. */
const MAX_MEDIA = 10;

/** The status callback route: `/webhook/sms/<tenant slug>/status`. */
const STATUS_PATH = /\/sms\/[^/]+\/status$/;

type MediaPart = Extract<MessagePart, { type: 'media' }>;

/**
 * Twilio's message statuses that say something about delivery. The others (queued,
 * accepted, scheduled, sending, partially_delivered, …) change nothing we show.
 */
const deliveryStatuses: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/**
 * Reads one Twilio webhook. On the inbound route: the message (text and MMS media as
 * references to Twilio's media URLs, never downloaded here), plus a subscription change
 * when it is an opt-out or opt-in keyword. On the `/status` route: the delivery status of
 * a message we sent, plus an opt-out when Twilio reports the recipient unsubscribed (21610).
 * Throws AppError('MALFORMED_PAYLOAD') naming what is missing or wrong.
 */
export function parseSmsWebhook(request: WebhookRequest): InboundEvent[] {
  const parameters = readForm(request.rawBody);
  if (STATUS_PATH.test(new URL(request.url).pathname)) {
    return statusEvents(validated(statusSchema, parameters, 'status callback'));
  }
  return inboundEvents(validated(inboundSchema, parameters, 'incoming message'));
}

function validated<Schema extends z.ZodType>(
  schema: Schema,
  parameters: TwilioParameters,
  what: string,
): z.infer<Schema> {
  const result = schema.safeParse(parameters);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
  throw new AppError('MALFORMED_PAYLOAD', `not a Twilio ${what}: ${issues.join('; ')}`);
}

function inboundEvents(inbound: TwilioInbound): InboundEvent[] {
  const sender: Sender = { externalId: inbound.From };
  // NUL is invisible in a message but PostgreSQL refuses it in text columns.
  const text = (inbound.Body ?? '').replaceAll('\u0000', '');
  const media = mediaParts(inbound);
  const parts: MessagePart[] = [...(text === '' ? [] : [{ type: 'text' as const, text }]), ...media];
  const at = new Date();
  const events: InboundEvent[] = [
    {
      type: 'message',
      providerMessageId: inbound.MessageSid,
      chatId: inbound.From,
      sender,
      // Twilio sends no timestamp with an incoming message; it posts within seconds of receiving it.
      sentAt: at,
      kind: media.length > 0 ? 'media' : text === '' ? 'unsupported' : 'text',
      text: text === '' ? undefined : text,
      parts,
    },
  ];
  const keyword = inboundKeyword(text, inbound.OptOutType);
  if (keyword === 'opt-out' || keyword === 'opt-in') {
    events.push({ type: 'subscription', sender, subscribed: keyword === 'opt-in', at });
  }
  return events;
}

/** `MediaUrl{i}` and `MediaContentType{i}` for every i below `NumMedia`. */
function mediaParts(inbound: TwilioInbound): MediaPart[] {
  const count = Number(inbound.NumMedia ?? '0');
  if (count > MAX_MEDIA) {
    throw new AppError('MALFORMED_PAYLOAD', `NumMedia is ${count}; Twilio sends at most ${MAX_MEDIA}`);
  }
  const parts: MediaPart[] = [];
  for (let index = 0; index < count; index += 1) {
    const url = inbound[`MediaUrl${index}`];
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      throw new AppError(
        'MALFORMED_PAYLOAD',
        `MediaUrl${index} is missing or not a URL, but NumMedia is ${count}`,
      );
    }
    const contentType = inbound[`MediaContentType${index}`];
    const mimeType = typeof contentType === 'string' && contentType !== '' ? contentType : undefined;
    parts.push({ type: 'media', mediaType: mediaTypeOf(mimeType), providerFileId: url, mimeType });
  }
  return parts;
}

function statusEvents(callback: TwilioStatusCallback): InboundEvent[] {
  const status = deliveryStatuses[callback.MessageStatus.toLowerCase()];
  if (status === undefined) return [];
  const at = new Date();
  const errorCode = callback.ErrorCode === undefined ? undefined : Number(callback.ErrorCode);
  const events: InboundEvent[] = [
    {
      type: 'status',
      providerMessageId: callback.MessageSid,
      status,
      at,
      ...(status === 'failed' ? { error: failureReason(callback.MessageStatus, errorCode) } : {}),
    },
  ];
  // A send to someone who unsubscribed elsewhere (another app, the carrier) fails with 21610:
  // recording the opt-out stops every further attempt to reach them.
  if (errorCode === UNSUBSCRIBED_RECIPIENT && callback.To) {
    events.push({ type: 'subscription', sender: { externalId: callback.To }, subscribed: false, at });
  }
  return events;
}

function failureReason(status: string, errorCode: number | undefined): string {
  return errorCode === undefined
    ? `Twilio reported the message ${status}`
    : `Twilio reported the message ${status}: error ${describeTwilioError(errorCode)}`;
}
