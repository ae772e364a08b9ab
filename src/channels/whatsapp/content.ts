import type { MessageKind, MessagePart } from '../../normalizer/types.ts';
import type { WhatsAppMessage } from './schema.ts';

/** What a WhatsApp message says, reduced to Switchboard's message kinds and parts. */
export interface MessageContent {
  kind: MessageKind;
  /** The text, a media caption or a button's title, so the agent reads them the same way. */
  text?: string;
  parts: MessagePart[];
}

type MediaType = Extract<MessagePart, { type: 'media' }>['mediaType'];

/**
 * Maps a message's payload to parts. Media stays a reference to Meta's media id, never
 * downloaded here. Types Switchboard does not read (orders, system notices, `unsupported`,
 * types Meta adds later) become kind `unsupported` with no parts: stored, never a crash.
 * Undefined for a withdrawn reaction, which says nothing to answer.
 */
export function whatsappContent(message: WhatsAppMessage): MessageContent | undefined {
  switch (message.type) {
    case 'text':
      return textContent('text', message.text!.body);
    case 'image':
    case 'video':
    case 'document':
    case 'sticker':
      return mediaContent(message.type, message[message.type]!);
    case 'audio':
      // A recorded voice note arrives as audio with `voice: true`.
      return mediaContent(message.audio!.voice === true ? 'voice' : 'audio', message.audio!);
    case 'location': {
      const { latitude, longitude, name, address } = message.location!;
      const label = [name, address].filter(Boolean).join(', ');
      return {
        kind: 'location',
        parts: [{ type: 'location', latitude, longitude, ...(label === '' ? {} : { name: label }) }],
      };
    }
    case 'contacts':
      return {
        kind: 'contact',
        parts: message.contacts!.map((contact) => {
          const name = contact.name;
          const fullName =
            name?.formatted_name ??
            ([name?.first_name, name?.last_name].filter(Boolean).join(' ') || 'Contact');
          const phone = contact.phones?.[0]?.phone ?? contact.phones?.[0]?.wa_id;
          return { type: 'contact', name: fullName, ...(phone === undefined ? {} : { phone }) };
        }),
      };
    case 'interactive':
      return interactiveContent(message.interactive!);
    case 'button': {
      // A quick-reply button of a template message.
      const { payload, text } = message.button!;
      return choice(payload ?? text ?? '', text);
    }
    case 'reaction': {
      const { message_id, emoji } = message.reaction!;
      if (emoji === undefined || emoji === '') return undefined;
      return choice(`reaction:${message_id}`, emoji);
    }
    default:
      return { kind: 'unsupported', parts: [] };
  }
}

function textContent(kind: MessageKind, text: string): MessageContent {
  return { kind, text, parts: [{ type: 'text', text }] };
}

function mediaContent(
  mediaType: MediaType,
  media: { id: string; mime_type?: string; caption?: string; filename?: string },
): MessageContent {
  return {
    kind: 'media',
    text: media.caption,
    parts: [
      {
        type: 'media',
        mediaType,
        providerFileId: media.id,
        ...(media.mime_type === undefined ? {} : { mimeType: media.mime_type }),
        ...(media.filename === undefined ? {} : { fileName: media.filename }),
        ...(media.caption === undefined ? {} : { caption: media.caption }),
      },
    ],
  };
}

/** A pressed button, a picked list row or a submitted flow: the payload we set, and what the customer saw. */
function interactiveContent(interactive: NonNullable<WhatsAppMessage['interactive']>): MessageContent {
  const reply = interactive.button_reply ?? interactive.list_reply;
  if (reply !== undefined) return choice(reply.id, reply.title);
  const flow = interactive.nfm_reply;
  if (flow !== undefined) return choice(flow.response_json ?? flow.name ?? 'flow', flow.body ?? flow.name);
  return { kind: 'unsupported', parts: [] };
}

function choice(payload: string, title: string | undefined): MessageContent {
  return {
    kind: 'interactive',
    text: title,
    parts: [{ type: 'interactive', payload, ...(title === undefined ? {} : { title }) }],
  };
}
