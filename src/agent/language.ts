export type Language = 'de' | 'en';

// Short, frequent German words and letters that rarely occur in English chat messages.
const germanMarkers =
  /\b(hallo|moin|servus|guten|tag|morgen|abend|danke|bitte|ich|du|sie|wir|ist|nicht|und|wie|was|wann|kann|können|möchte|termin|mitarbeiter|grüß|gruß|tschüss)\b|[äöüß]/i;

/**
 * The customer's language, as far as it can be told: what they wrote wins over the
 * language their app is set to, because people often write in another language than
 * their phone's.
 */
export function detectLanguage(text: string | null, locale: string | null): Language {
  if (text && germanMarkers.test(text)) return 'de';
  if (text && /[a-z]{3,}/i.test(text)) return 'en';
  return locale?.toLowerCase().startsWith('de') ? 'de' : 'en';
}
