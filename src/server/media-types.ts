import type { OutboundMedia } from '../channels/types.ts';

interface KnownType {
  mediaType: OutboundMedia['mediaType'];
  /** Whether the bytes begin as a file of this type does (its magic number). */
  matches(bytes: Buffer): boolean;
}

function startsWith(bytes: Buffer, prefix: number[] | string, offset = 0): boolean {
  const expected = typeof prefix === 'string' ? Buffer.from(prefix, 'latin1') : Buffer.from(prefix);
  return bytes.subarray(offset, offset + expected.length).equals(expected);
}
/** ISO base media files (MP4, M4A) carry `ftyp` after their first box's size. */
const isoMedia = (bytes: Buffer) => startsWith(bytes, 'ftyp', 4);

/**
 * The file types staff may send, each checked on its bytes: a file whose content does not
 * match the type it is sent as is refused, so a channel never forwards something else under
 * an image's name. Channels name which of these they can send (`ChannelAdapter.outboundMedia`).
 */
export const KNOWN_MEDIA_TYPES: Record<string, KnownType> = {
  'image/jpeg': { mediaType: 'image', matches: (bytes) => startsWith(bytes, [0xff, 0xd8, 0xff]) },
  'image/png': {
    mediaType: 'image',
    matches: (bytes) => startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  'video/mp4': { mediaType: 'video', matches: isoMedia },
  'audio/mp4': { mediaType: 'audio', matches: isoMedia },
  'audio/ogg': { mediaType: 'audio', matches: (bytes) => startsWith(bytes, 'OggS') },
  'audio/mpeg': {
    mediaType: 'audio',
    // An ID3 tag, or straight into an MPEG frame (eleven set sync bits).
    matches: (bytes) => startsWith(bytes, 'ID3') || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0),
  },
  'application/pdf': { mediaType: 'document', matches: (bytes) => startsWith(bytes, '%PDF-') },
};
