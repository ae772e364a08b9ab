import * as chrono from 'chrono-node';
import { shapeReply } from './channel-style.ts';
import { matchFaq } from './faq-match.ts';
import { detectLanguage, type Language } from './language.ts';
import { defaultAgentSettings } from './settings.ts';
import type { ToolOutcome } from './tool-registry.ts';
import type { Agent, AgentInput, AgentReply } from './types.ts';

type Intent =
  | { kind: 'human' }
  | { kind: 'book'; start: Date; end: Date }
  | { kind: 'calendar'; day: 'today' | 'tomorrow' }
  | { kind: 'emails' }
  | { kind: 'faq'; answer: string }
  | { kind: 'greeting' | 'capabilities' | 'thanks' | 'media' | 'other' };

type SimpleIntent = 'greeting' | 'capabilities' | 'thanks' | 'media' | 'other';

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
const bookPattern = /\b(book|reserve|make an appointment|buchen|reservieren|vereinbaren|eintragen|termin)\b/i;
const calendarPattern = /\b(appointments?|calendar|schedule|agenda|meetings?|termine|terminen?|kalender)\b/i;
const emailPattern = /\b(e-?mails?|mails?|inbox|posteingang|postfach)\b/i;
const tomorrowPattern = /\b(tomorrow|morgen)\b/i;

const EVENT_MINUTES = 60;

/**
 * Characters of the latest message the offline agent reads. What it looks for (a request,
 * a date) is in the first lines, and chrono-node took about a second on 64 KiB of `<`.
 */
const MAX_CLASSIFIED_TEXT = 2048;

/** A date with a time of day in the text, German or English, on or after `now`. */
function parseDateTime(text: string, now: Date): { start: Date; end: Date } | undefined {
  for (const parser of [chrono.de, chrono.en]) {
    const [result] = parser.parse(text, now, { forwardDate: true });
    if (result?.start.isCertain('hour')) {
      const start = result.start.date();
      const end = result.end?.date() ?? new Date(start.getTime() + EVENT_MINUTES * 60_000);
      return { start, end };
    }
  }
  return undefined;
}

function classify(input: AgentInput, now: Date): Intent {
  const latest = input.transcript.at(-1);
  if (!latest?.text) return { kind: latest && latest.kind !== 'text' ? 'media' : 'other' };
  const text = latest.text.slice(0, MAX_CLASSIFIED_TEXT);
  if (humanPattern.test(text)) return { kind: 'human' };
  if (bookPattern.test(text)) {
    const when = parseDateTime(text, now);
    if (when) return { kind: 'book', ...when };
  }
  if (calendarPattern.test(text))
    return { kind: 'calendar', day: tomorrowPattern.test(text) ? 'tomorrow' : 'today' };
  if (emailPattern.test(text)) return { kind: 'emails' };
  const faq = matchFaq(text, input.settings?.faq ?? []);
  if (faq) return { kind: 'faq', answer: faq.answer };
  for (const [kind, pattern] of simplePatterns) if (pattern.test(text)) return { kind };
  return { kind: latest.kind === 'media' ? 'media' : 'other' };
}

const replies: Record<Language, Record<SimpleIntent, (business: string, name: string | null) => string>> = {
  en: {
    greeting: (business, name) =>
      `Hello${name ? ` ${name}` : ''}! You are chatting with the assistant of ${business}. I can answer questions about ${business}, and pass you on to a member of staff whenever you like. How can I help?`,
    capabilities: (business) =>
      `I am the assistant of ${business}. I can answer common questions, and when something needs a person I hand the conversation to the team. Just tell me what you need.`,
    thanks: () => 'You are welcome! Anything else I can do for you?',
    media: () =>
      'Thank you, I have received it. A member of staff will take a look; is there anything you want to add?',
    other: (business) =>
      `Thanks for your message. I have noted it for the team at ${business}. Tell me a little more, or write "help" to see what I can do.`,
  },
  de: {
    greeting: (business, name) =>
      `Hallo${name ? ` ${name}` : ''}! Hier schreibt der Assistent von ${business}. Ich beantworte Fragen zu ${business} und verbinde dich jederzeit mit einem Mitarbeiter. Wie kann ich helfen?`,
    capabilities: (business) =>
      `Ich bin der Assistent von ${business}. Ich beantworte häufige Fragen, und wenn etwas eine Person braucht, gebe ich das Gespräch an das Team weiter. Schreib einfach, worum es geht.`,
    thanks: () => 'Gern geschehen! Kann ich sonst noch etwas für dich tun?',
    media: () => 'Danke, ist angekommen. Ein Mitarbeiter schaut es sich an; möchtest du noch etwas ergänzen?',
    other: (business) =>
      `Danke für deine Nachricht. Ich habe sie für das Team von ${business} notiert. Erzähl mir gern mehr, oder schreib „Hilfe“, um zu sehen, was ich kann.`,
  },
};

const toolTexts = {
  en: {
    handedOver: 'I have passed the conversation to our team; a member of staff will get back to you here.',
    emails: 'Your latest emails:',
    noEmails: 'There are no emails in the inbox.',
    calendar: { today: 'Your appointments today:', tomorrow: 'Your appointments tomorrow:' },
    noAppointments: {
      today: 'There are no appointments today.',
      tomorrow: 'There are no appointments tomorrow.',
    },
    booked: (when: string) => `Done: the appointment on ${when} is in the calendar.`,
    eventTitle: (name: string | null) => (name ? `Appointment with ${name}` : 'Appointment'),
    unavailable: 'I cannot do that here, sorry: it is not connected. I have noted your request for the team.',
    failed:
      'Sorry, that did not work just now. Please try again in a few minutes, or write "staff" to reach a person.',
    modelDown:
      'Sorry, I cannot answer properly right now. I have passed your message to the team, and a person will get back to you.',
  },
  de: {
    handedOver: 'Ich habe das Gespräch an unser Team übergeben; ein Mitarbeiter meldet sich hier bei dir.',
    emails: 'Deine neuesten E-Mails:',
    noEmails: 'Im Posteingang sind keine E-Mails.',
    calendar: { today: 'Deine Termine heute:', tomorrow: 'Deine Termine morgen:' },
    noAppointments: { today: 'Heute stehen keine Termine an.', tomorrow: 'Morgen stehen keine Termine an.' },
    booked: (when: string) => `Erledigt: der Termin am ${when} steht im Kalender.`,
    eventTitle: (name: string | null) => (name ? `Termin mit ${name}` : 'Termin'),
    unavailable:
      'Das kann ich hier leider nicht erledigen: es ist nicht verbunden. Ich habe dein Anliegen für das Team notiert.',
    failed:
      'Das hat gerade leider nicht geklappt. Bitte versuch es in ein paar Minuten noch einmal, oder schreib „Mitarbeiter“, um eine Person zu erreichen.',
    modelDown:
      'Entschuldige, ich kann gerade nicht richtig antworten. Ich habe deine Nachricht an das Team weitergegeben; ein Mensch meldet sich bei dir.',
  },
} as const;

/** The language to answer in: the tenant's choice, or the customer's when set to `auto`. */
export function replyLanguage(input: AgentInput): Language {
  const chosen = input.settings?.language ?? defaultAgentSettings.language;
  if (chosen !== 'auto') return chosen;
  return detectLanguage(input.transcript.at(-1)?.text ?? null, input.contact.locale);
}

/** The short, honest reply when the model cannot answer: staff have been told. */
export function modelUnavailableReply(language: Language): string {
  return toolTexts[language].modelDown;
}

function dayRange(day: 'today' | 'tomorrow', now: Date): { from: string; to: string } {
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  if (day === 'tomorrow') start.setDate(start.getDate() + 1);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

function formatWhen(date: Date, language: Language): string {
  return new Intl.DateTimeFormat(language === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(date);
}

/**
 * Runs one tool for an intent and words the outcome. A tool the tenant has not connected or
 * enabled, and a tool that fails, both end in a polite reply, never in silence.
 */
async function withTool(
  input: AgentInput,
  language: Language,
  name: string,
  toolInput: unknown,
  onSuccess: (outcome: ToolOutcome) => string,
): Promise<string> {
  const texts = toolTexts[language];
  const tools = input.tools;
  if (!tools?.available.some((tool) => tool.name === name)) return texts.unavailable;
  const outcome = await tools.run(name, toolInput);
  return outcome.ok ? onSuccess(outcome) : texts.failed;
}

async function answer(input: AgentInput, intent: Intent, language: Language, now: Date): Promise<string> {
  const texts = toolTexts[language];
  const firstName = input.contact.displayName?.split(' ')[0] ?? null;
  switch (intent.kind) {
    case 'human':
      return withTool(input, language, 'request_human', { reason: 'customer_asked' }, () => texts.handedOver);
    case 'emails':
      return withTool(input, language, 'read_emails', { limit: 5 }, (outcome) =>
        outcome.record.itemsProcessed === 0 ? texts.noEmails : `${texts.emails}\n${outcome.content}`,
      );
    case 'calendar':
      return withTool(input, language, 'read_calendar', dayRange(intent.day, now), (outcome) =>
        outcome.record.itemsProcessed === 0
          ? texts.noAppointments[intent.day]
          : `${texts.calendar[intent.day]}\n${outcome.content}`,
      );
    case 'book': {
      const event = {
        title: texts.eventTitle(input.contact.displayName),
        start: intent.start.toISOString(),
        end: intent.end.toISOString(),
      };
      return withTool(input, language, 'create_event', event, () =>
        texts.booked(formatWhen(intent.start, language)),
      );
    }
    case 'faq':
      return intent.answer;
    default:
      return replies[language][intent.kind](input.tenant.name, firstName);
  }
}

/**
 * Builds the deterministic agent that needs no model: it recognizes intents in German and
 * English (latest emails, today's or tomorrow's appointments, booking at a date and time,
 * FAQ entries, asking for a person) and calls the same tools as the model would, through
 * the turn's tools. It is the default without a model and the fallback when one fails.
 */
export function createOfflineAgent(options: { now?: () => Date } = {}): Agent {
  const now = options.now ?? (() => new Date());
  return {
    async reply(input): Promise<AgentReply> {
      const language = replyLanguage(input);
      const at = now();
      const text = await answer(input, classify(input, at), language, at);
      return { text: shapeReply(text, input.channel), toolCalls: [...(input.tools?.calls ?? [])] };
    },
  };
}

/** The offline agent on the system clock. */
export const offlineAgent: Agent = createOfflineAgent();
