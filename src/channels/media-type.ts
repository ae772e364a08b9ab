import type { MessagePart } from '../normalizer/types.ts';

/** The kind of media a MIME type names, for a stored media part; anything unknown is a document. */
export function mediaTypeOf(
  mimeType: string | undefined,
): Extract<MessagePart, { type: 'media' }>['mediaType'] {
  if (mimeType?.startsWith('image/')) return 'image';
  if (mimeType?.startsWith('audio/')) return 'audio';
  if (mimeType?.startsWith('video/')) return 'video';
  return 'document';
}
