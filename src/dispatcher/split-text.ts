/**
 * Splits text into pieces of at most `limit` characters, in order, preferring to break
 * between paragraphs, then lines, then sentences, then words; a single word longer than
 * the limit is cut. Pieces are trimmed, and none is empty.
 */
export function splitText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = findCut(rest, limit);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

const separators = ['\n\n', '\n', '. ', '! ', '? ', ' '];

function findCut(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  for (const separator of separators) {
    const at = window.lastIndexOf(separator);
    // A break in the first half would leave a short piece; try a finer separator instead.
    if (at > limit / 2) return Math.min(at + separator.length, limit);
  }
  // Never split a UTF-16 surrogate pair (an emoji) in two.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
