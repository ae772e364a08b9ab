import type { MessageKind, MessagePart } from '../../normalizer/types.ts';
import type { TelegramMessage } from './schema.ts';

/** What a Telegram message says, reduced to Switchboard's message kinds and parts. */
export interface MessageContent {
  kind: MessageKind;
  /** The text, or a media caption, so the agent reads both the same way. */
  text?: string;
  parts: MessagePart[];
}

type MediaPart = Extract<MessagePart, { type: 'media' }>;

/**
 * Maps the payload of a message (text, media, location, contact) to parts. Media is kept as
 * a reference to Telegram's `file_id`, never downloaded here. Anything else (polls, dice,
 * service messages, …) becomes kind `unsupported` with no parts, so it is stored but never
 * breaks the pipeline.
 */
export function messageContent(message: TelegramMessage): MessageContent {
  if (message.text !== undefined) {
    return { kind: 'text', text: message.text, parts: [{ type: 'text', text: message.text }] };
  }
  const largestPhoto = pickLargest(message.photo ?? []);
  if (largestPhoto !== undefined) {
    return mediaContent(message.caption, {
      type: 'media',
      mediaType: 'image',
      providerFileId: largestPhoto.file_id,
      sizeBytes: largestPhoto.file_size,
    });
  }
  // A message carries at most one of these. GIFs arrive as `animation` with a `document`
  // copy of the same file, so they are kept as documents.
  const files: Array<[MediaPart['mediaType'], TelegramMessage['document']]> = [
    ['voice', message.voice],
    ['audio', message.audio],
    ['video', message.video ?? message.video_note],
    ['document', message.document],
  ];
  for (const [mediaType, file] of files) {
    if (file === undefined) continue;
    return mediaContent(message.caption, {
      type: 'media',
      mediaType,
      providerFileId: file.file_id,
      mimeType: file.mime_type,
      fileName: file.file_name,
      sizeBytes: file.file_size,
    });
  }
  if (message.sticker !== undefined) {
    return mediaContent(message.caption, {
      type: 'media',
      mediaType: 'sticker',
      providerFileId: message.sticker.file_id,
      mimeType: stickerMimeType(message.sticker),
      sizeBytes: message.sticker.file_size,
    });
  }
  if (message.location !== undefined) {
    const { latitude, longitude } = message.location;
    // A venue is a location with a name; Telegram sends both fields for it.
    const name = message.venue?.title;
    return { kind: 'location', parts: [{ type: 'location', latitude, longitude, name }] };
  }
  if (message.contact !== undefined) {
    const { first_name, last_name, phone_number } = message.contact;
    const name = [first_name, last_name].filter(Boolean).join(' ');
    return { kind: 'contact', parts: [{ type: 'contact', name, phone: phone_number }] };
  }
  return { kind: 'unsupported', parts: [] };
}

/** A media message: its caption is its text. */
function mediaContent(caption: string | undefined, part: MediaPart): MessageContent {
  return { kind: 'media', text: caption, parts: [caption === undefined ? part : { ...part, caption }] };
}

/** Telegram lists photo sizes smallest first, but picking by area does not rely on that. */
function pickLargest<Size extends { width: number; height: number }>(sizes: Size[]): Size | undefined {
  let largest: Size | undefined;
  for (const size of sizes) {
    if (largest === undefined || size.width * size.height > largest.width * largest.height) largest = size;
  }
  return largest;
}

/** Stickers carry no `mime_type`; their format follows from two flags. */
function stickerMimeType(sticker: { is_animated?: boolean; is_video?: boolean }): string {
  if (sticker.is_video) return 'video/webm';
  if (sticker.is_animated) return 'application/x-tgsticker';
  return 'image/webp';
}
