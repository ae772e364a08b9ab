import { detectLanguage, type Language } from './language.ts';
import type { Agent, AgentInput } from './types.ts';

type Intent = 'greeting' | 'capabilities' | 'thanks' | 'media' | 'other';

const intentPatterns: Array<[Intent, RegExp]> = [
  ['thanks', /\b(thanks|thank you|thx|danke|vielen dank|merci)\b/i],
  ['capabilities', /\b(help|what can you|who are you|hilfe|was kannst du|wer bist du|was machst du)\b/i],
  [
    'greeting',
    /^\s*(\/start\b|hi\b|hello\b|hey\b|hallo\b|moin\b|servus\b|guten (tag|morgen|abend)\b|good (morning|afternoon|evening)\b)/i,
  ],
];

const replies: Record<Language, Record<Intent, (business: string, name: string | null) => string>> = {
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

function classify(input: AgentInput): Intent {
  const latest = input.transcript.at(-1);
  if (!latest?.text) return latest && latest.kind !== 'text' ? 'media' : 'other';
  for (const [intent, pattern] of intentPatterns) if (pattern.test(latest.text)) return intent;
  return latest.kind === 'media' ? 'media' : 'other';
}

/**
 * The deterministic agent that needs no model: it recognizes a few intents in German and
 * English and answers in the customer's language. It is the default when no model is
 * configured and the fallback when one fails.
 */
export const offlineAgent: Agent = {
  async reply(input) {
    const latest = input.transcript.at(-1);
    const language = detectLanguage(latest?.text ?? null, input.contact.locale);
    const firstName = input.contact.displayName?.split(' ')[0] ?? null;
    return { text: replies[language][classify(input)](input.tenant.name, firstName), toolCalls: [] };
  },
};
