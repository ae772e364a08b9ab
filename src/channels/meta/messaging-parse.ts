import type { InboundEvent, MessageKind, MessagePart } from '../../normalizer/types.ts';
import type { WebhookRequest } from '../types.ts';
import {
  type MessagingAttachment,
  type MessagingEvent,
  type MessagingMessage,
  messagingEntrySchema,
  messagingEventSchema,
} from './messaging-schema.ts';
import { createBatchReader, readMetaEntries } from './webhook.ts';

/** Which Messenger Platform webhook to read: Messenger's or Instagram's, for which account. */
export interface MessagingChannel {
  /** The envelope's `object`: `page` for Messenger, `instagram` for Instagram. */
  object: 'page' | 'instagram';
  /** How error messages name the channel. */
  channelName: string;
  /** The configured page or Instagram account; entries for any other account are skipped. */
  accountId: string | undefined;
}

type MediaType = Extract<MessagePart, { type: 'media' }>['mediaType'];

/** Attachment types that are files; `file` is what Meta calls a document. */
const MEDIA_TYPES: Record<string, MediaType> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  file: 'document',
  sticker: 'sticker',
};

/**
 * Reads a Messenger or Instagram webhook (`entry[].messaging[]`) into events: messages (text,
 * attachments, quick replies), postbacks (buttons, ice breakers, Get Started) as interactive
 * messages, edits, unsent messages, and delivery and read receipts of our messages. Echoes of our own sends
 * are dropped, so a reply never answers itself. A malformed item is skipped while the rest
 * of the batch is kept; throws AppError('MALFORMED_PAYLOAD') when the body is not this
 * channel's webhook or nothing in it is usable.
 */
export function parseMessagingWebhook(
  rawBody: Buffer,
  channel: MessagingChannel,
  onSkipped?: WebhookRequest['onSkipped'],
): InboundEvent[] {
  const entries = readMetaEntries(rawBody, channel.object, channel.channelName);
  const reader = createBatchReader(channel.channelName, onSkipped);
  const events: InboundEvent[] = [];
  for (const [entryIndex, rawEntry] of entries.entries()) {
    const entry = reader.read(messagingEntrySchema, rawEntry, `entry[${entryIndex}]`);
    if (entry === undefined || entry.id !== channel.accountId) continue;
    for (const [index, rawEvent] of (entry.messaging ?? []).entries()) {
      const event = reader.read(messagingEventSchema, rawEvent, `entry[${entryIndex}].messaging[${index}]`);
      if (event !== undefined) events.push(...eventsOf(event, entry.id));
    }
  }
  return reader.finish(events);
}

function eventsOf(event: MessagingEvent, accountId: string): InboundEvent[] {
  // Our own sends come back as echoes; answering them would make the agent talk to itself.
  if (event.message?.is_echo === true || event.sender.id === accountId) return [];
  const chatId = event.sender.id;
  const sender = { externalId: event.sender.id };
  const at = new Date(event.timestamp);
  if (event.message !== undefined) {
    // The customer unsent the message: nothing to answer, and its stored copy must go.
    if (event.message.is_deleted === true)
      return [{ type: 'unsend', providerMessageId: event.message.mid, chatId, sender, at }];
    const content = messageContent(event.message);
    return [
      { type: 'message', providerMessageId: event.message.mid, chatId, sender, sentAt: at, ...content },
    ];
  }
  if (event.postback !== undefined) {
    const { mid, title, payload } = event.postback;
    return [
      {
        type: 'message',
        // Older postbacks carry no mid; sender and time identify a button press just as well.
        providerMessageId: mid ?? `postback:${chatId}:${event.timestamp}`,
        chatId,
        sender,
        sentAt: at,
        kind: 'interactive',
        ...(title === undefined ? {} : { text: title }),
        parts: [
          { type: 'interactive', payload: payload ?? title ?? '', ...(title === undefined ? {} : { title }) },
        ],
      },
    ];
  }
  if (event.message_edit !== undefined) {
    const { mid, text } = event.message_edit;
    const parts: MessagePart[] = text === undefined ? [] : [{ type: 'text', text }];
    return [{ type: 'edit', providerMessageId: mid, chatId, sender, editedAt: at, text, parts }];
  }
  if (event.delivery !== undefined) {
    return (event.delivery.mids ?? []).map((mid) => ({
      type: 'status',
      providerMessageId: mid,
      status: 'delivered',
      at,
    }));
  }
  // Messenger reports reads as a time watermark without ids, which cannot name a message.
  if (event.read?.mid !== undefined)
    return [{ type: 'status', providerMessageId: event.read.mid, status: 'read', at }];
  return [];
}

function messageContent(message: MessagingMessage): {
  kind: MessageKind;
  text?: string;
  parts: MessagePart[];
} {
  const text = message.text;
  if (message.quick_reply !== undefined) {
    return {
      kind: 'interactive',
      ...(text === undefined ? {} : { text }),
      parts: [
        {
          type: 'interactive',
          payload: message.quick_reply.payload,
          ...(text === undefined ? {} : { title: text }),
        },
      ],
    };
  }
  const attachmentParts = (message.attachments ?? []).flatMap(attachmentPart);
  const parts: MessagePart[] = [
    ...(text === undefined ? [] : [{ type: 'text' as const, text }]),
    ...attachmentParts,
  ];
  return { kind: kindOf(message, attachmentParts), ...(text === undefined ? {} : { text }), parts };
}

/**
 * Files stay a reference to Meta's CDN URL, never downloaded here. Shares, story mentions,
 * reels and other types give no part; a message of only those is `unsupported`.
 */
function attachmentPart(attachment: MessagingAttachment): MessagePart[] {
  const payload = attachment.payload ?? undefined;
  const coordinates = payload?.coordinates;
  if (attachment.type === 'location' && coordinates !== undefined) {
    return [
      {
        type: 'location',
        latitude: coordinates.lat,
        longitude: coordinates.long,
        ...(payload?.title === undefined ? {} : { name: payload.title }),
      },
    ];
  }
  const mediaType = MEDIA_TYPES[attachment.type];
  if (mediaType === undefined || payload?.url === undefined) return [];
  return [{ type: 'media', mediaType, providerFileId: payload.url }];
}

function kindOf(message: MessagingMessage, attachmentParts: MessagePart[]): MessageKind {
  if (message.is_unsupported === true) return 'unsupported';
  if (attachmentParts.some((part) => part.type === 'media')) return 'media';
  if (attachmentParts.some((part) => part.type === 'location')) return 'location';
  return message.text === undefined ? 'unsupported' : 'text';
}
