import type { ConnectorDefinition } from '../../core/connector.ts';
import type { Integration, Tool } from '../types.ts';
import { bookAppointmentTool } from './book-appointment.ts';
import { bookingDefaults } from './booking-rules.ts';
import { cancelMyAppointmentTool } from './cancel-my-appointment.ts';
import { createEventTool } from './create-event.ts';
import { findFreeSlotsTool } from './find-free-slots.ts';
import { listMyAppointmentsTool } from './list-my-appointments.ts';
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

4. **Opening hours**, **Time zone**, **Slot length**, **Max open bookings**: what customers may
   book, e.g. \`Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-13:00\`, \`Europe/Berlin\`, \`30\`
   (minutes), \`2\`. Empty: ${bookingDefaults.openingHours}, ${bookingDefaults.timeZone}, ${bookingDefaults.slotMinutes} minutes, ${bookingDefaults.maxOpenBookings} bookings.

Customers see free and busy times only, never what your other events are. They book free
slots inside the opening hours, at most the configured number of upcoming bookings each, and
list or cancel only the appointments booked for them (marked in the event with
\`X-SWITCHBOARD-CONTACT\`). Reading the whole calendar and creating any event stay with staff.

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

4. **Öffnungszeiten**, **Zeitzone**, **Slot-Länge**, **Max. offene Buchungen**: was Kunden buchen
   dürfen, z. B. \`Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-13:00\`, \`Europe/Berlin\`, \`30\`
   (Minuten), \`2\`. Leer: ${bookingDefaults.openingHours}, ${bookingDefaults.timeZone}, ${bookingDefaults.slotMinutes} Minuten, ${bookingDefaults.maxOpenBookings} Buchungen.

Kunden sehen nur frei und belegt, nie, was deine anderen Termine sind. Sie buchen freie Slots in
den Öffnungszeiten, höchstens die eingestellte Zahl kommender Buchungen je Kunde, und sehen oder
stornieren nur die für sie gebuchten Termine (im Termin mit \`X-SWITCHBOARD-CONTACT\` markiert).
Den ganzen Kalender lesen und beliebige Termine anlegen bleibt dem Team vorbehalten.

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
    {
      key: 'opening_hours',
      label: 'Opening hours',
      required: false,
      secret: false,
      description: `When customers may book, e.g. "Mo-Fr 09:00-17:00; Sa 10:00-13:00"; ${bookingDefaults.openingHours} when empty.`,
    },
    {
      key: 'time_zone',
      label: 'Time zone',
      required: false,
      secret: false,
      description: `The zone of the opening hours (IANA name); ${bookingDefaults.timeZone} when empty.`,
    },
    {
      key: 'slot_minutes',
      label: 'Slot length',
      required: false,
      secret: false,
      description: `Minutes per booked appointment; ${bookingDefaults.slotMinutes} when empty.`,
    },
    {
      key: 'max_open_bookings',
      label: 'Max open bookings',
      required: false,
      secret: false,
      description: `Upcoming bookings one customer may hold; ${bookingDefaults.maxOpenBookings} when empty.`,
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/**
 * Calendar for the agent over CalDAV (tsdav, ical.js): for customers `find_free_slots`,
 * `book_appointment`, `list_my_appointments`, `cancel_my_appointment`; for staff
 * `read_calendar` and `create_event`.
 */
export const caldavIntegration: Integration = {
  id: 'caldav',
  connector: caldavDefinition,
  test: testCalendarConnection,
  tools: [
    findFreeSlotsTool as Tool,
    bookAppointmentTool as Tool,
    listMyAppointmentsTool as Tool,
    cancelMyAppointmentTool as Tool,
    readCalendarTool as Tool,
    createEventTool as Tool,
  ],
};
