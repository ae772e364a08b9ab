import type { ConnectorDefinition } from '../../core/connector.ts';
import type { Integration, Tool } from '../types.ts';
import { createEventTool } from './create-event.ts';
import { readCalendarTool } from './read-calendar.ts';
import { testCalendarConnection } from './test-connection.ts';

const docsEnglish = `## Calendar over CalDAV

Lets the agent look up your appointments and book new ones in a calendar on any CalDAV server
(IONOS, Nextcloud, mailbox.org, Posteo, Radicale, iCloud with an app password…).

1. **Server URL**: the CalDAV address your provider lists, e.g. \`https://caldav.example.com/\`.
   The calendars are found from there.
2. **User** and **Password**: the calendar login. The password is stored encrypted and never
   shown again.
3. **Calendar**: the calendar's name (as shown in your calendar app) or its path; empty means
   the first calendar that holds events.

**Test** logs in, lists your calendars and names the one the agent will use. Events the agent
creates are plain entries in that calendar; analytics record only that the tool ran and how
many events it touched — never titles, times or people.`;

const docsGerman = `## Kalender über CalDAV

Damit kann der Agent deine Termine nachsehen und neue eintragen, in einem Kalender auf jedem
CalDAV-Server (IONOS, Nextcloud, mailbox.org, Posteo, Radicale, iCloud mit App-Passwort …).

1. **Server-URL**: die CalDAV-Adresse deines Anbieters, z. B. \`https://caldav.example.com/\`.
   Von dort werden die Kalender gefunden.
2. **Benutzer** und **Passwort**: die Anmeldung am Kalender. Das Passwort wird verschlüsselt
   gespeichert und nie wieder angezeigt.
3. **Kalender**: der Name des Kalenders (wie in deiner Kalender-App) oder sein Pfad; leer heißt:
   der erste Kalender mit Terminen.

**Testen** meldet sich an, listet deine Kalender und nennt den, den der Agent nutzt. Termine des
Agenten sind normale Einträge in diesem Kalender; die Analytics zählen nur, dass das Werkzeug
lief und wie viele Termine es betraf — nie Titel, Zeiten oder Personen.`;

/** The `caldav` connector: fields and setup guide. */
export const caldavDefinition: ConnectorDefinition = {
  id: 'caldav',
  name: 'Calendar (CalDAV)',
  category: 'productivity',
  fields: [
    {
      key: 'server_url',
      label: 'Server URL',
      required: true,
      secret: false,
      description: 'e.g. https://caldav.example.com/',
    },
    { key: 'user', label: 'User', required: true, secret: false },
    { key: 'password', label: 'Password', required: true, secret: true },
    {
      key: 'calendar',
      label: 'Calendar',
      required: false,
      secret: false,
      description: 'Name or path; the first calendar when empty.',
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/** Calendar for the agent over CalDAV (tsdav, ical.js): `read_calendar` and `create_event`. */
export const caldavIntegration: Integration = {
  id: 'caldav',
  connector: caldavDefinition,
  test: testCalendarConnection,
  tools: [readCalendarTool as Tool, createEventTool as Tool],
};
