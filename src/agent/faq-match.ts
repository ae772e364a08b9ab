import type { AgentSettings } from './settings.ts';

type FaqEntry = AgentSettings['faq'][number];

/**
 * Characters of a message the matcher reads. A question is asked in its first lines; the
 * cost grows with words times entries, so a 64 KiB message must not be read whole.
 */
export const MAX_MATCHED_TEXT = 2048;

// Words that say nothing about what is asked; matching on them would pair any two questions.
const stopWords = new Set(
  `a an the is are am was be do does did you your we our i me my it its to of in on at for and or
  what when where how who which can could would will there this that have has with from about please
  der die das ein eine einen ist sind bin war habt hast hat ihr wir ich du sie es zu von im in am an
  auf für und oder was wann wo wie wer welche kann könnt können bitte mit bei euch ihr uns mir mich dein euer`.split(
    /\s+/,
  ),
);

/** The significant words of a text: lower case, letters and digits only, no stop words. */
function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (word) => word.length > 1 && !stopWords.has(word),
  );
}

/** Whether two words are one despite inflection or a typo: a shared stem, or one edit apart. */
function sameWord(left: string, right: string): boolean {
  if (left === right) return true;
  const [short, long] = left.length <= right.length ? [left, right] : [right, left];
  if (short.length >= 4 && long.startsWith(short.slice(0, Math.max(4, long.length - 3)))) return true;
  return short.length >= 5 && long.length - short.length <= 1 && withinOneEdit(short, long);
}

function withinOneEdit(short: string, long: string): boolean {
  let edits = 0;
  for (let i = 0, j = 0; i < short.length || j < long.length; ) {
    if (short[i] === long[j]) {
      i += 1;
      j += 1;
      continue;
    }
    edits += 1;
    if (edits > 1) return false;
    if (short.length === long.length) i += 1;
    j += 1;
  }
  return true;
}

/**
 * The FAQ entry a message asks about, by word overlap that tolerates inflection and typos:
 * at least half of the entry's significant words must occur in the message. The best
 * scoring entry wins; none when nothing overlaps enough.
 */
export function matchFaq(text: string, entries: readonly FaqEntry[]): FaqEntry | undefined {
  const asked = [...new Set(words(text.slice(0, MAX_MATCHED_TEXT)))];
  if (asked.length === 0) return undefined;
  let best: { entry: FaqEntry; score: number } | undefined;
  for (const entry of entries) {
    const question = words(entry.question);
    if (question.length === 0) continue;
    const found = question.filter((word) => asked.some((candidate) => sameWord(word, candidate))).length;
    const score = found / question.length;
    if (found > 0 && score >= 0.5 && (!best || score > best.score)) best = { entry, score };
  }
  return best?.entry;
}
