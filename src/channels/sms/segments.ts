/**
 * SMS segments. A message goes over the air in segments: 160 GSM-7 characters, or 153 each
 * when it needs several (the rest carries the reassembly header). A single character outside
 * GSM-7 switches the whole message to UCS-2, which fits 70 UTF-16 code units, 67 per segment
 * of a longer message. Twilio bills per segment and accepts bodies up to 1,600 characters.
 */

/** GSM 03.38 basic character set: one septet each (the escape code itself is left out). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** The GSM extension table: an escape septet plus one, so two septets each. */
const GSM_EXTENDED = new Set('\f^{}\\[~]|€');

/**
 * Most segments one outbound message may take. Ten keeps every message under Twilio's
 * 1,600-character cap (10 × 153 = 1,530 GSM-7 characters; 670 in UCS-2) while a long reply
 * still arrives as few messages as possible: the phone reassembles the segments of one
 * message in order, whereas separate messages can overtake each other on the way.
 */
export const MAX_SEGMENTS_PER_MESSAGE = 10;

/** Twilio's limit for one message body, in characters. */
export const TWILIO_MAX_BODY_LENGTH = 1600;

export type SmsEncoding = 'GSM-7' | 'UCS-2';

interface SegmentSizes {
  /** Units that fit a message of one segment. */
  single: number;
  /** Units per segment of a message of several. */
  concatenated: number;
}

const sizes: Record<SmsEncoding, SegmentSizes> = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 },
};

/** The encoding a message is sent in: GSM-7 when every character has a GSM-7 code, else UCS-2. */
export function smsEncoding(text: string): SmsEncoding {
  for (const character of text) if (!isGsm(character)) return 'UCS-2';
  return 'GSM-7';
}

/** How many segments `text` takes when sent as one message (an empty text still takes one). */
export function countSmsSegments(text: string): number {
  const encoding = smsEncoding(text);
  const counter = segmentCounter(sizes[encoding]);
  for (const character of text) counter.add(unitsOf(character, encoding));
  return counter.segments();
}

/**
 * Splits a reply into the messages to send, in order: each at most
 * `MAX_SEGMENTS_PER_MESSAGE` segments, broken between paragraphs, then lines, then sentences,
 * then words, and only inside a word when it alone is longer than a message. Pieces are
 * trimmed and none is empty. Each piece is measured in its own encoding, so an emoji late in
 * a long reply makes only the piece it lands in UCS-2.
 */
export function splitSmsText(text: string): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const fitting = longestFittingPrefix(rest);
    if (fitting === rest.length) {
      pieces.push(rest);
      break;
    }
    const cut = cleanCut(rest, fitting);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return pieces;
}

/**
 * Length in UTF-16 code units of the longest prefix of `text` that fits one message. Once a
 * prefix does not fit, no longer one does (it has more septets, or more code units if it
 * is UCS-2), so the walk stops at the first that fails. Stepping by code point never cuts
 * an emoji in half.
 */
function longestFittingPrefix(text: string): number {
  const gsm = segmentCounter(sizes['GSM-7']);
  const ucs2 = segmentCounter(sizes['UCS-2']);
  let allGsm = true;
  let length = 0;
  for (const character of text) {
    allGsm &&= isGsm(character);
    if (allGsm) gsm.add(unitsOf(character, 'GSM-7'));
    ucs2.add(unitsOf(character, 'UCS-2'));
    const segments = allGsm ? gsm.segments() : ucs2.segments();
    if (segments > MAX_SEGMENTS_PER_MESSAGE) break;
    length += character.length;
  }
  return length;
}

const separators = ['\n\n', '\n', '. ', '! ', '? ', ' '];

/** Where to end a piece at most `limit` code units long: after the coarsest separator in its second half. */
function cleanCut(text: string, limit: number): number {
  // One unit more, so a separator right after the limit still counts (its space is trimmed).
  const window = text.slice(0, limit + 1);
  for (const separator of separators) {
    const at = window.lastIndexOf(separator);
    // A break in the first half would leave a short message; try a finer separator instead.
    if (at > limit / 2) return Math.min(at + separator.length, limit);
  }
  return limit;
}

function isGsm(character: string): boolean {
  return GSM_BASIC.has(character) || GSM_EXTENDED.has(character);
}

function unitsOf(character: string, encoding: SmsEncoding): number {
  if (encoding === 'UCS-2') return character.length;
  return GSM_EXTENDED.has(character) ? 2 : 1;
}

/**
 * Counts segments as characters are added. A character never straddles two segments: an
 * escaped GSM character or an emoji's surrogate pair that does not fit starts the next one.
 */
function segmentCounter(size: SegmentSizes): { add(units: number): void; segments(): number } {
  let total = 0;
  let fill = 0;
  let count = 1;
  return {
    add(units) {
      total += units;
      if (fill + units > size.concatenated) {
        count += 1;
        fill = units;
      } else {
        fill += units;
      }
    },
    segments: () => (total <= size.single ? 1 : count),
  };
}
