export type Language = 'de' | 'en';

// Short, frequent German words and letters that rarely occur in English chat messages.
const germanMarkers =
  /\b(hallo|moin|servus|guten|tag|morgen|abend|danke|dank|vielen|bitte|ich|du|sie|wir|ist|nicht|und|wie|was|wann|kann|können|möchte|termin|termine|mitarbeiter|grüß|gruß|tschüss|heute|uhr|gibt|neue[nrs]?|welche[nrs]?|habe|meine?[nmr]?|posteingang|buchen|sprechen|mit|einen?|im)\b|[äöüß]/i;

/**
 * The customer's language, as far as it can be told: what they wrote wins over the
 * language their app is set to, because people often write in another language than
 * their phone's.
 */
export function detectLanguage(text: string | null, locale: string | null): Language {
  // Bot commands (/start) are the same in every language and say nothing about the writer's.
  const words = text?.replace(/(^|\s)\/\w+(@\w+)?/g, ' ') ?? '';
  if (germanMarkers.test(words)) return 'de';
  if (/[a-z]{3,}/i.test(words)) return 'en';
  return locale?.toLowerCase().startsWith('de') ? 'de' : 'en';
}
