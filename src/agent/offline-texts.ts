import type { Language } from './language.ts';
import type { SimpleIntent } from './offline-intents.ts';

export const simpleReplies: Record<
  Language,
  Record<SimpleIntent, (business: string, name: string | null) => string>
> = {
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

/** What the offline agent says about the customer's own mail and appointments. */
export const toolTexts = {
  en: {
    handedOver: 'I have passed the conversation to our team; a member of staff will get back to you here.',
    emails: 'Emails from or to your address that reached us:',
    noEmails:
      'I found no emails from or to your address. I can only look up mail sent from the address you write to us from.',
    appointments: 'Your upcoming appointments:',
    noAppointments: 'You have no upcoming appointments with us.',
    slots: 'Free times:',
    noSlots: (hours: string) =>
      `There are no free times then, sorry. Our opening hours for appointments: ${hours}.`,
    booked: (when: string) => `Done: your appointment on ${when} is booked.`,
    eventTitle: (name: string | null) => (name ? `Appointment with ${name}` : 'Appointment'),
    notBookable: (when: string, hours: string) =>
      `Sorry, ${when} cannot be booked: it is outside our opening hours (${hours}) or already taken.`,
    past: 'Sorry, that time has already passed.',
    limit: (count: number) =>
      `You already have ${count} upcoming appointment(s) with us, the most I can book. Cancel one first, or write "staff" to reach a person.`,
    alternatives: 'Free times instead:',
    cancelled: (when: string) => `Done: your appointment on ${when} is cancelled.`,
    nothingToCancel: 'You have no upcoming appointment that I could cancel.',
    whichToCancel: 'Which appointment should I cancel? Tell me its date:',
    unavailable: 'I cannot do that here, sorry: it is not connected. I have noted your request for the team.',
    failed:
      'Sorry, that did not work just now. Please try again in a few minutes, or write "staff" to reach a person.',
    modelDown:
      'Sorry, I cannot answer properly right now. I have passed your message to the team, and a person will get back to you.',
  },
  de: {
    handedOver: 'Ich habe das Gespräch an unser Team übergeben; ein Mitarbeiter meldet sich hier bei dir.',
    emails: 'E-Mails von oder an deine Adresse, die bei uns angekommen sind:',
    noEmails:
      'Ich habe keine E-Mails von oder an deine Adresse gefunden. Ich sehe nur Mails von der Adresse, von der du uns schreibst.',
    appointments: 'Deine kommenden Termine:',
    noAppointments: 'Du hast bei uns keine kommenden Termine.',
    slots: 'Freie Zeiten:',
    noSlots: (hours: string) => `Dann ist leider nichts frei. Unsere Zeiten für Termine: ${hours}.`,
    booked: (when: string) => `Erledigt: dein Termin am ${when} ist gebucht.`,
    eventTitle: (name: string | null) => (name ? `Termin mit ${name}` : 'Termin'),
    notBookable: (when: string, hours: string) =>
      `Leider ist ${when} nicht buchbar: außerhalb unserer Zeiten für Termine (${hours}) oder schon vergeben.`,
    past: 'Leider liegt diese Zeit schon in der Vergangenheit.',
    limit: (count: number) =>
      `Du hast schon ${count} kommende(n) Termin(e) bei uns, mehr kann ich nicht buchen. Sag erst einen ab, oder schreib „Mitarbeiter“, um eine Person zu erreichen.`,
    alternatives: 'Stattdessen frei:',
    cancelled: (when: string) => `Erledigt: dein Termin am ${when} ist abgesagt.`,
    nothingToCancel: 'Du hast keinen kommenden Termin, den ich absagen könnte.',
    whichToCancel: 'Welchen Termin soll ich absagen? Nenn mir das Datum:',
    unavailable:
      'Das kann ich hier leider nicht erledigen: es ist nicht verbunden. Ich habe dein Anliegen für das Team notiert.',
    failed:
      'Das hat gerade leider nicht geklappt. Bitte versuch es in ein paar Minuten noch einmal, oder schreib „Mitarbeiter“, um eine Person zu erreichen.',
    modelDown:
      'Entschuldige, ich kann gerade nicht richtig antworten. Ich habe deine Nachricht an das Team weitergegeben; ein Mensch meldet sich bei dir.',
  },
} as const;
