import type { ConnectorDefinition } from '../core/connector.ts';
import type { HubConnector } from './registry.ts';

const googleBusinessMessagesDocsEnglish = `## Google Business Messages has been shut down

Google ended Business Messages on **31 July 2024**. From 15 July 2024 the chat buttons
disappeared from Google Search and Maps and no new conversations could start; after
31 July the API stopped accepting messages altogether. There is nothing left to connect,
so this connector has no fields and no webhook.

Customers who used to write to you from your Google listing can reach you on another
channel instead:

- **WhatsApp** (Cloud API) or **SMS**: connect one of them here and add the number or a
  click-to-chat link to your Google Business Profile.
- **RCS Business Messaging**: Google's suggested successor, offered through RCS providers.
- **Email**: connect Postmark here and show the address on your profile.`;

const googleBusinessMessagesDocsGerman = `## Google Business Messages wurde eingestellt

Google hat Business Messages am **31. Juli 2024** beendet. Seit dem 15. Juli 2024 waren die
Chat-Schaltflächen aus der Google-Suche und Google Maps verschwunden und es konnten keine
neuen Unterhaltungen mehr beginnen; nach dem 31. Juli nahm die API gar keine Nachrichten
mehr an. Es gibt nichts mehr zu verbinden, deshalb hat dieser Connector weder Felder noch
einen Webhook.

Kundschaft, die dir bisher über deinen Google-Eintrag geschrieben hat, erreicht dich über
einen anderen Kanal:

- **WhatsApp** (Cloud API) oder **SMS**: Verbinde einen davon hier und trage die Nummer oder
  einen Click-to-Chat-Link in dein Google-Unternehmensprofil ein.
- **RCS Business Messaging**: der von Google empfohlene Nachfolger, angeboten über RCS-Anbieter.
- **E-Mail**: Verbinde Postmark hier und zeige die Adresse in deinem Profil an.`;

const googleBusinessMessages: ConnectorDefinition = {
  id: 'google_business_messages',
  name: 'Google Business Messages',
  category: 'messaging',
  fields: [],
  docs: { en: googleBusinessMessagesDocsEnglish, de: googleBusinessMessagesDocsGerman },
  retiredOn: '2024-07-31',
};

/**
 * Connectors whose provider shut the service down: listed in the catalog as `retired` with
 * docs that say so and name alternatives, so staff looking for them learn why they are gone.
 * They have no channel adapter, hence no webhook route.
 */
export const retiredConnectors: HubConnector[] = [
  {
    definition: googleBusinessMessages,
    // The hub refuses to test a retired connector; this answer is for any other caller.
    test: async () => ({ ok: false, detail: 'Google shut Business Messages down on 2024-07-31' }),
  },
];
