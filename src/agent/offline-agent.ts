import { shapeReply } from './channel-style.ts';
import { detectLanguage, type Language } from './language.ts';
import { classify, type Intent } from './offline-intents.ts';
import { simpleReplies, toolTexts } from './offline-texts.ts';
import { defaultAgentSettings } from './settings.ts';
import type { ToolOutcome } from './tool-registry.ts';
import type { Agent, AgentInput, AgentReply } from './types.ts';

/** Free times listed in one reply: enough to choose from on a phone screen. */
const listedSlots = 6;
/** The zone when a tool names none (the caldav connector's default). */
const fallbackZone = 'Europe/Berlin';

/** The fields of the customer tools' JSON answers that the offline agent words. */
interface ToolAnswer {
  emails?: Array<{ subject: string; date: string }>;
  appointments?: Array<{ id: string; start: string }>;
  slots?: Array<{ start: string }>;
  freeSlots?: Array<{ start: string }>;
  booked?: boolean;
  reason?: string;
  openingHours?: string;
  maxOpenBookings?: number;
  timeZone?: string;
  appointment?: { start: string };
  cancelled?: { start: string };
}

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

function formatWhen(iso: string, language: Language, zone: string | undefined, dateOnly = false): string {
  return new Intl.DateTimeFormat(language === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: dateOnly ? 'full' : 'medium',
    ...(dateOnly ? {} : { timeStyle: 'short' }),
    timeZone: zone ?? fallbackZone,
  }).format(new Date(iso));
}

function bulletList(items: Array<{ start: string }>, language: Language, zone: string | undefined): string {
  return items
    .slice(0, listedSlots)
    .map((item) => `- ${formatWhen(item.start, language, zone)}`)
    .join('\n');
}

function parsed(outcome: ToolOutcome): ToolAnswer {
  try {
    return JSON.parse(outcome.content) as ToolAnswer;
  } catch {
    return {};
  }
}

/** One turn's tool calls for the offline agent: a missing or failing tool ends in a polite reply. */
function toolCaller(input: AgentInput, language: Language) {
  const texts = toolTexts[language];
  return async (
    name: string,
    toolInput: unknown,
    onSuccess: (answer: ToolAnswer, outcome: ToolOutcome) => string | Promise<string>,
  ): Promise<string> => {
    const tools = input.tools;
    if (!tools?.available.some((tool) => tool.name === name)) return texts.unavailable;
    const outcome = await tools.run(name, toolInput);
    return outcome.ok ? onSuccess(parsed(outcome), outcome) : texts.failed;
  };
}

async function answer(input: AgentInput, intent: Intent, language: Language): Promise<string> {
  const texts = toolTexts[language];
  const use = toolCaller(input, language);
  switch (intent.kind) {
    case 'human':
      return use('request_human', { reason: 'customer_asked' }, () => texts.handedOver);
    case 'emails':
      // The tool shows a customer only their own mail; the offline agent never asks for more.
      return use('read_emails', { limit: 5 }, ({ emails = [] }) =>
        emails.length === 0
          ? texts.noEmails
          : `${texts.emails}\n${emails.map((email) => `- ${formatWhen(email.date, language, undefined)}: ${email.subject}`).join('\n')}`,
      );
    case 'appointments':
      return use('list_my_appointments', {}, ({ appointments = [], timeZone }) =>
        appointments.length === 0
          ? texts.noAppointments
          : `${texts.appointments}\n${bulletList(appointments, language, timeZone)}`,
      );
    case 'slots':
      return use(
        'find_free_slots',
        intent.when ? { date: intent.when.date } : {},
        ({ slots = [], ...rest }) =>
          slots.length === 0
            ? texts.noSlots(rest.openingHours ?? '')
            : `${texts.slots}\n${bulletList(slots, language, rest.timeZone)}`,
      );
    case 'book': {
      const booking = { start: intent.when.dateTime, title: texts.eventTitle(input.contact.displayName) };
      return use('book_appointment', booking, (result) => {
        const zone = result.timeZone;
        if (result.booked && result.appointment)
          return texts.booked(formatWhen(result.appointment.start, language, zone));
        if (result.reason === 'booking_limit_reached') return texts.limit(result.maxOpenBookings ?? 0);
        const refusal =
          result.reason === 'in_the_past'
            ? texts.past
            : texts.notBookable(intent.when.dateTime.replace('T', ' '), result.openingHours ?? '');
        const others = result.freeSlots ?? [];
        return others.length > 0
          ? `${refusal}\n${texts.alternatives}\n${bulletList(others, language, zone)}`
          : refusal;
      });
    }
    case 'cancel':
      return use('list_my_appointments', {}, ({ appointments = [], timeZone }) => {
        const day = (iso: string) =>
          new Intl.DateTimeFormat('en-CA', { timeZone: timeZone ?? fallbackZone }).format(new Date(iso));
        const candidates = intent.when
          ? appointments.filter((item) => day(item.start) === intent.when?.date)
          : appointments;
        if (candidates.length === 0) return texts.nothingToCancel;
        if (candidates.length > 1)
          return `${texts.whichToCancel}\n${bulletList(candidates, language, timeZone)}`;
        return use('cancel_my_appointment', { id: candidates[0]!.id }, (result) =>
          texts.cancelled(
            formatWhen(result.cancelled?.start ?? candidates[0]!.start, language, result.timeZone),
          ),
        );
      });
    case 'faq':
      return intent.answer;
    default: {
      const firstName = input.contact.displayName?.split(' ')[0] ?? null;
      return simpleReplies[language][intent.kind](input.tenant.name, firstName);
    }
  }
}

/**
 * Builds the deterministic agent that needs no model: it recognizes intents in German and
 * English and calls the customer-scoped tools, through the turn's tools, for the person it
 * talks to: their own emails, their own appointments, free slots, booking and cancelling
 * (inside the opening hours), FAQ entries, asking for a person. It never asks for the
 * business's inbox or calendar as a whole. It is the default without a model and the
 * fallback when one fails.
 */
export function createOfflineAgent(options: { now?: () => Date } = {}): Agent {
  const now = options.now ?? (() => new Date());
  return {
    async reply(input): Promise<AgentReply> {
      const language = replyLanguage(input);
      const text = await answer(input, await classify(input, now()), language);
      return { text: shapeReply(text, input.channel), toolCalls: [...(input.tools?.calls ?? [])] };
    },
  };
}

/** The offline agent on the system clock. */
export const offlineAgent: Agent = createOfflineAgent();
