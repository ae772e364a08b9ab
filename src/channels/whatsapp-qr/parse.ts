import type { proto, WAMessage } from '@whiskeysockets/baileys';
import type {
  InboundEditEvent,
  InboundMessageEvent,
  InboundUnsendEvent,
  MessageKind,
  MessagePart,
} from '../../normalizer/types.ts';
import { loadBaileys, loadedBaileys } from './baileys.ts';
import { addressOf, isGroupJid, type PersonAddress, personKey } from './jid.ts';

/** Media a message carries, to be fetched (under the size cap) before the message is stored. */
export interface MediaToFetch {
  mediaType: 'image' | 'audio' | 'voice' | 'video' | 'document' | 'sticker';
  mimeType?: string;
  fileName?: string;
  sizeBytes?: number;
  caption?: string;
}

/** What one `messages.upsert` entry means to Switchboard. */
export type ParsedMessage =
  | { type: 'inbound'; event: InboundMessageEvent; sender: PersonAddress; media?: MediaToFetch }
  | { type: 'edit'; event: InboundEditEvent }
  | { type: 'unsend'; event: InboundUnsendEvent }
  /** Written by the business on its own phone (or another linked device), not by us. */
  | { type: 'from_phone'; providerMessageId: string; chatId: string; text?: string; sentAt: Date }
  | { type: 'ignored'; reason: string };

export interface ParseContext {
  /** The linked account's own number and LID: a group message for us mentions one of them. */
  self: PersonAddress;
  /** The number behind a LID, when WhatsApp told us before. */
  phoneOfLid(lid: string): string | undefined;
}

const STATUS_BROADCAST = 'status@broadcast';

/**
 * Reads one message Baileys delivered (`messages.upsert` of type `notify`) into the shape
 * the normalizer stores. Status updates, broadcasts, newsletters, protocol messages other
 * than edits and deletions, and group messages that neither mention nor answer the business
 * are ignored. A message `fromMe` is one the business sent from its phone; the caller tells
 * it from the gateway's own sends by id.
 */
export async function parseWhatsAppQrMessage(
  message: WAMessage,
  context: ParseContext,
): Promise<ParsedMessage> {
  // Loaded already wherever a socket delivered the message; the helpers below use it synchronously.
  const { getContentType, normalizeMessageContent } = await loadBaileys();
  const key = message.key;
  const remoteJid = key.remoteJid ?? '';
  if (!key.id || remoteJid === '') return { type: 'ignored', reason: 'no key' };
  if (remoteJid === STATUS_BROADCAST || remoteJid.endsWith('@broadcast') || remoteJid.endsWith('@newsletter'))
    return { type: 'ignored', reason: 'broadcast' };
  const content = normalizeMessageContent(message.message);
  const contentType = getContentType(content ?? undefined);
  if (!content || !contentType) return { type: 'ignored', reason: 'no content' };
  const group = isGroupJid(remoteJid);
  const sender = withKnownPhone(
    group
      ? addressOf(key.participant, key.participantAlt, alternative(key, 'participantPn'))
      : addressOf(remoteJid, key.remoteJidAlt, alternative(key, 'senderPn')),
    context,
  );
  const person = personKey(sender);
  // Replies to a person go to their number when we know it; to a group, into the group.
  const chatId = group ? remoteJid : (person?.chatId ?? remoteJid);
  const sentAt = new Date(secondsOf(message.messageTimestamp) * 1000);
  const display = message.pushName ?? undefined;

  if (contentType === 'protocolMessage')
    return protocolEvent(content.protocolMessage!, chatId, sender, sentAt);
  if (key.fromMe) {
    if (group) return { type: 'ignored', reason: 'own group message' };
    const read = readContent(content, contentType);
    return {
      type: 'from_phone',
      providerMessageId: key.id,
      chatId,
      ...(read?.text ? { text: read.text } : {}),
      sentAt,
    };
  }
  if (!person) return { type: 'ignored', reason: 'unknown sender' };
  if (group && !addressesUs(content, contentType, context.self))
    return { type: 'ignored', reason: 'group message not for us' };
  const read = readContent(content, contentType);
  if (!read) return { type: 'ignored', reason: `unsupported content ${contentType}` };
  const quote = quotedContext(content, contentType);
  const event: InboundMessageEvent = {
    type: 'message',
    providerMessageId: key.id,
    chatId,
    sender: { externalId: person.externalId, ...(display ? { displayName: display } : {}) },
    sentAt,
    kind: read.kind,
    ...(read.text !== undefined ? { text: read.text } : {}),
    parts: [...read.parts, ...(quote ? [quote] : [])],
    ...(quote ? { threadReferences: [quote.providerMessageId] } : {}),
  };
  return { type: 'inbound', event, sender, ...(read.media ? { media: read.media } : {}) };
}

interface ReadContent {
  kind: MessageKind;
  text?: string;
  parts: MessagePart[];
  media?: MediaToFetch;
}

type Content = proto.IMessage;

/** The text, parts and media of one content type; undefined for content Switchboard does not keep. */
function readContent(content: Content, contentType: keyof Content): ReadContent | undefined {
  switch (contentType) {
    case 'conversation':
      return textContent(content.conversation ?? '');
    case 'extendedTextMessage':
      return textContent(content.extendedTextMessage?.text ?? '');
    case 'imageMessage':
      return mediaContent('image', content.imageMessage!);
    case 'videoMessage':
      return mediaContent('video', content.videoMessage!);
    case 'ptvMessage':
      return mediaContent('video', content.ptvMessage!);
    case 'audioMessage':
      return mediaContent(content.audioMessage?.ptt ? 'voice' : 'audio', content.audioMessage!);
    case 'documentMessage':
      return mediaContent('document', content.documentMessage!);
    case 'stickerMessage':
      return mediaContent('sticker', content.stickerMessage!);
    case 'locationMessage':
    case 'liveLocationMessage': {
      const location = (content.locationMessage ?? content.liveLocationMessage)!;
      const name = 'name' in location ? (location.name ?? undefined) : undefined;
      return {
        kind: 'location',
        parts: [
          {
            type: 'location',
            latitude: location.degreesLatitude ?? 0,
            longitude: location.degreesLongitude ?? 0,
            ...(name ? { name } : {}),
          },
        ],
      };
    }
    case 'contactMessage':
      return { kind: 'contact', parts: [contactPart(content.contactMessage!)] };
    case 'contactsArrayMessage':
      return { kind: 'contact', parts: (content.contactsArrayMessage?.contacts ?? []).map(contactPart) };
    case 'reactionMessage': {
      const reaction = content.reactionMessage!;
      // An empty reaction takes an earlier one back: nothing new was said.
      if (!reaction.text || !reaction.key?.id) return undefined;
      return {
        kind: 'reaction',
        text: reaction.text,
        parts: [{ type: 'reaction', emoji: reaction.text, providerMessageId: reaction.key.id }],
      };
    }
    default:
      return undefined;
  }
}

function textContent(text: string): ReadContent | undefined {
  return text === '' ? undefined : { kind: 'text', text, parts: [{ type: 'text', text }] };
}

type MediaMessage = {
  mimetype?: string | null;
  caption?: string | null;
  fileName?: string | null;
  fileLength?: number | Long | null;
};
type Long = { toNumber(): number };

function mediaContent(mediaType: MediaToFetch['mediaType'], media: MediaMessage): ReadContent {
  const caption = media.caption ?? undefined;
  const sizeBytes = media.fileLength == null ? undefined : numberOf(media.fileLength);
  const fetch: MediaToFetch = {
    mediaType,
    ...(media.mimetype ? { mimeType: media.mimetype } : {}),
    ...(media.fileName ? { fileName: media.fileName } : {}),
    ...(sizeBytes !== undefined ? { sizeBytes } : {}),
    ...(caption ? { caption } : {}),
  };
  return {
    kind: 'media',
    ...(caption ? { text: caption } : {}),
    // The file id is filled in once the media store holds the bytes.
    parts: [{ type: 'media', providerFileId: '', ...fetch }],
    media: fetch,
  };
}

/** A shared contact: its name and the number its vCard names (`TEL;waid=…` or the first `TEL`). */
function contactPart(contact: proto.Message.IContactMessage): MessagePart {
  const vcard = contact.vcard ?? '';
  const waid = /waid=(\d{6,15})/.exec(vcard)?.[1];
  const tel = /^TEL[^:]*:([+\d][\d\s()-]{5,})$/m.exec(vcard)?.[1]?.replace(/[\s()-]/g, '');
  const phone = waid ? `+${waid}` : tel;
  return { type: 'contact', name: contact.displayName ?? 'contact', ...(phone ? { phone } : {}) };
}

/** The message a reply quotes: its id and, when WhatsApp sent it along, its text. */
function quotedContext(
  content: Content,
  contentType: keyof Content,
): Extract<MessagePart, { type: 'quote' }> | undefined {
  const info = contextInfoOf(content, contentType);
  if (!info?.stanzaId) return undefined;
  const { getContentType, normalizeMessageContent } = loadedBaileys();
  const quoted = normalizeMessageContent(info.quotedMessage);
  const quotedType = getContentType(quoted ?? undefined);
  const text = quoted && quotedType ? readContent(quoted, quotedType)?.text : undefined;
  return { type: 'quote', providerMessageId: info.stanzaId, ...(text ? { text } : {}) };
}

function contextInfoOf(content: Content, contentType: keyof Content): proto.IContextInfo | undefined {
  const inner = content[contentType] as { contextInfo?: proto.IContextInfo | null } | undefined;
  return typeof inner === 'object' && inner !== null ? (inner.contextInfo ?? undefined) : undefined;
}

/** A group message is for us when it mentions our number or LID, or replies to one of our messages. */
function addressesUs(content: Content, contentType: keyof Content, self: PersonAddress): boolean {
  const info = contextInfoOf(content, contentType);
  if (!info) return false;
  const ours = (jid: string | null | undefined) => {
    const address = addressOf(jid);
    return (
      (address.phone !== undefined && address.phone === self.phone) ||
      (address.lid !== undefined && address.lid === self.lid)
    );
  };
  return (info.mentionedJid ?? []).some(ours) || ours(info.participant);
}

function protocolEvent(
  protocol: proto.Message.IProtocolMessage,
  chatId: string,
  sender: PersonAddress,
  at: Date,
): ParsedMessage {
  const target = protocol.key?.id;
  const person = personKey(sender);
  if (!target || !person) return { type: 'ignored', reason: 'protocol message' };
  const who = { externalId: person.externalId };
  const { getContentType, normalizeMessageContent, proto } = loadedBaileys();
  if (protocol.type === proto.Message.ProtocolMessage.Type.REVOKE) {
    return { type: 'unsend', event: { type: 'unsend', providerMessageId: target, chatId, sender: who, at } };
  }
  if (protocol.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT && protocol.editedMessage) {
    const edited = normalizeMessageContent(protocol.editedMessage);
    const editedType = getContentType(edited ?? undefined);
    const read = edited && editedType ? readContent(edited, editedType) : undefined;
    if (!read) return { type: 'ignored', reason: 'edit without text' };
    const editedAt = protocol.timestampMs ? new Date(numberOf(protocol.timestampMs)) : at;
    return {
      type: 'edit',
      event: {
        type: 'edit',
        providerMessageId: target,
        chatId,
        sender: who,
        editedAt,
        ...(read.text !== undefined ? { text: read.text } : {}),
        parts: read.parts,
      },
    };
  }
  return { type: 'ignored', reason: 'protocol message' };
}

/** Adds the number behind the LID when an earlier message or Baileys' mapping told us. */
function withKnownPhone(address: PersonAddress, context: ParseContext): PersonAddress {
  if (address.phone || !address.lid) return address;
  const phone = context.phoneOfLid(address.lid);
  return phone ? { ...address, phone } : address;
}

/** Older 7.0 release candidates named the alternative address `senderPn` / `participantPn`. */
function alternative(key: WAMessage['key'], field: 'senderPn' | 'participantPn'): string | undefined {
  const value = (key as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** Baileys gives timestamps as numbers or protobuf Longs. */
function numberOf(value: number | Long): number {
  return typeof value === 'number' ? value : value.toNumber();
}

function secondsOf(value: WAMessage['messageTimestamp']): number {
  if (value == null) return Math.floor(Date.now() / 1000);
  return numberOf(value as number | Long);
}
