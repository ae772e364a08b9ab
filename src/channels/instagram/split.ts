/** Instagram's limit for one text message: 1000 bytes of UTF-8, not characters. */
export const INSTAGRAM_MAX_TEXT_BYTES = 1000;

/** Where a piece may end, best first: after a paragraph, a line, a sentence, a word. */
const BREAKS = ['\n\n', '\n', '. ', '! ', '? ', ' '];

/**
 * Splits text into pieces of at most 1000 UTF-8 bytes, in order, breaking between
 * paragraphs, lines, sentences or words where one lies in the second half of the piece
 * (a single longer word is cut). Umlauts take two bytes and emoji four, so a piece of
 * German or emoji-rich text holds fewer than 1000 characters. Pieces are trimmed; none is
 * empty, and no emoji is cut in half.
 */
export function splitInstagramText(text: string): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (Buffer.byteLength(rest, 'utf8') > INSTAGRAM_MAX_TEXT_BYTES) {
    const fitting = fittingLength(rest);
    const window = rest.slice(0, fitting);
    // A break in the first half would leave a short piece; a finer separator is tried instead.
    const breakAt = BREAKS.map((separator) => endOfLast(window, separator, fitting / 2)).find((at) => at > 0);
    const cut = breakAt ?? fitting;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/** How many UTF-16 units from the start fit into the byte limit, without ending inside a surrogate pair. */
function fittingLength(text: string): number {
  let bytes = 0;
  let index = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character, 'utf8');
    if (bytes > INSTAGRAM_MAX_TEXT_BYTES) break;
    index += character.length;
  }
  return index;
}

/** The index just after the last `separator` in `window` beyond `minimum`, or 0 when there is none. */
function endOfLast(window: string, separator: string, minimum: number): number {
  const at = window.lastIndexOf(separator);
  return at > minimum ? at + separator.length : 0;
}
