import { lazyModule } from '../core/lazy-module.ts';
import { matchFaq } from './faq-match.ts';
import type { AgentInput } from './types.ts';

/** A date and time as the customer wrote it: the business's wall-clock time, no zone. */
export interface WallClock {
  /** `YYYY-MM-DD` */
  date: string;
  /** `YYYY-MM-DDTHH:MM`, or undefined when no time of day was given. */
  dateTime?: string;
}

export type SimpleIntent = 'greeting' | 'capabilities' | 'thanks' | 'media' | 'other';

/**
 * What a customer asks for. Every tool intent maps to a customer-scoped tool: the offline
 * agent never reads the business's inbox or calendar as a whole, whatever the wording.
 */
export type Intent =
  | { kind: 'human' }
  | { kind: 'cancel'; when?: WallClock }
  | { kind: 'book'; when: WallClock & { dateTime: string } }
  | { kind: 'slots'; when?: WallClock }
  | { kind: 'appointments' }
  | { kind: 'emails' }
  | { kind: 'faq'; answer: string }
  | { kind: SimpleIntent };

const simplePatterns: Array<[SimpleIntent, RegExp]> = [
  ['thanks', /\b(thanks|thank you|thx|danke|vielen dank|merci)\b/i],
  ['capabilities', /\b(help|what can you|who are you|hilfe|was kannst du|wer bist du|was machst du)\b/i],
  [
    'greeting',
    /^\s*(\/start\b|hi\b|hello\b|hey\b|hallo\b|moin\b|servus\b|guten (tag|morgen|abend)\b|good (morning|afternoon|evening)\b)/i,
  ],
];

// \b does not know umlauts, so word ends are spelled out where a German word may end in one.
const humanPattern =
  /\b(human|real person|a person|someone|staff|operator|mitarbeiter(in)?|menschen?|echten? person|jemandem)\b/i;
const cancelPattern =
  /\b(cancel|call off|absagen|abzusagen|stornieren|storniere|stornierung)\b|\bsag(e|en|t)?\b[^.?!]{0,60}\bab\b/i;
const bookPattern = /\b(book|reserve|make an appointment|buchen|reservieren|vereinbaren|eintragen|termin)\b/i;
const slotsPattern =
  /\b(free|available|availability|slots?|frei|freie[nmrs]?|verfügbar|zeit für mich|when can i come|wann kann ich)\b/i;
const calendarPattern =
  /\b(appointments?|calendar|schedule|agenda|meetings?|bookings?|termine|terminen?|kalender|buchungen?)\b/i;
const emailPattern = /\b(e-?mails?|mails?|inbox|posteingang|postfach|nachricht per mail)\b/i;

/**
 * Characters of the latest message the offline agent reads. What it looks for (a request,
 * a date) is in the first lines, and chrono-node took about a second on 64 KiB of `<`.
 */
const MAX_CLASSIFIED_TEXT = 2048;

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

// Imported when the offline agent first answers: chrono-node's locales cost about 170 ms at start-up.
const loadChrono = lazyModule(() => import('chrono-node'));

/** A date (and time of day, when certain) in the text, German or English, on or after `now`. */
export async function parseWallClock(text: string, now: Date): Promise<WallClock | undefined> {
  const chrono = await loadChrono();
  let dateOnly: WallClock | undefined;
  // A parser may find the date but miss the time the other one reads ("2026-12-09 at 9:00").
  for (const parser of [chrono.de, chrono.en]) {
    const [result] = parser.parse(text, now, { forwardDate: true });
    if (!result) continue;
    const start = result.start;
    const date = `${start.get('year')}-${pad(start.get('month') ?? 1)}-${pad(start.get('day') ?? 1)}`;
    if (start.isCertain('hour'))
      return { date, dateTime: `${date}T${pad(start.get('hour') ?? 0)}:${pad(start.get('minute') ?? 0)}` };
    dateOnly ??= { date };
  }
  return dateOnly;
}

/** The intent of the message being answered. */
export async function classify(input: AgentInput, now: Date): Promise<Intent> {
  const latest = input.transcript.at(-1);
  if (!latest?.text) return { kind: latest && latest.kind !== 'text' ? 'media' : 'other' };
  const text = latest.text.slice(0, MAX_CLASSIFIED_TEXT);
  if (humanPattern.test(text)) return { kind: 'human' };
  const booking = bookPattern.test(text);
  const calendar = calendarPattern.test(text);
  const cancelling = cancelPattern.test(text) && (calendar || booking);
  const slots = slotsPattern.test(text) || booking;
  // Only these intents use a date; reading one is most of what classifying a message costs,
  // so other messages skip it.
  const when = cancelling || slots ? await parseWallClock(text, now) : undefined;
  if (cancelling) return { kind: 'cancel', ...(when ? { when } : {}) };
  if (booking && when?.dateTime) return { kind: 'book', when: { ...when, dateTime: when.dateTime } };
  // Asking for free times, or to book without saying when: offer the free slots.
  if (slots) return { kind: 'slots', ...(when ? { when } : {}) };
  if (calendar) return { kind: 'appointments' };
  if (emailPattern.test(text)) return { kind: 'emails' };
  const faq = matchFaq(text, input.settings?.faq ?? []);
  if (faq) return { kind: 'faq', answer: faq.answer };
  for (const [kind, pattern] of simplePatterns) if (pattern.test(text)) return { kind };
  return { kind: latest.kind === 'media' ? 'media' : 'other' };
}
