// The Outlook calendar over Microsoft Graph: times asked for and read in UTC.
import type { CalendarApi } from '../oauth/tools/calendar-tools.ts';
import type { GraphClient } from './graph-client.ts';

interface GraphTime {
  dateTime: string;
  timeZone?: string;
}

interface GraphEvent {
  subject?: string;
  start: GraphTime;
  end: GraphTime;
  isAllDay?: boolean;
  showAs?: string;
  location?: { displayName?: string };
}

/** Our call id on the event, as a named property (Graph filters by it; the id is ours, not Outlook's). */
const CALL_PROPERTY = 'String {00020329-0000-0000-C000-000000000046} Name SwitchboardCallId';
const CONTACT_PROPERTY = 'String {00020329-0000-0000-C000-000000000046} Name SwitchboardContact';
const UTC = { Prefer: 'outlook.timezone="UTC"' };

/** Graph's UTC date-times come without an offset (`2026-12-02T09:00:00.0000000`). */
const instant = (time: GraphTime) =>
  new Date(/[zZ]|[+-]\d\d:\d\d$/.test(time.dateTime) ? time.dateTime : `${time.dateTime}Z`);

export function outlookCalendarApi(graph: GraphClient): CalendarApi {
  const view = (api: Parameters<CalendarApi['busy']>[0], from: Date, to: Date, select: string) =>
    graph.get<{ value: GraphEvent[] }>(
      api,
      '/me/calendarView',
      { startDateTime: from.toISOString(), endDateTime: to.toISOString(), $select: select, $top: '100' },
      UTC,
    );
  return {
    async events(api, from, to) {
      const page = await view(api, from, to, 'subject,start,end,isAllDay,location');
      return page.value.map((event) => ({
        title: event.subject ?? '',
        start: event.isAllDay ? event.start.dateTime.slice(0, 10) : instant(event.start).toISOString(),
        end: event.isAllDay ? event.end.dateTime.slice(0, 10) : instant(event.end).toISOString(),
        allDay: event.isAllDay ?? false,
        ...(event.location?.displayName ? { location: event.location.displayName } : {}),
      }));
    },

    async busy(api, from, to) {
      const page = await view(api, from, to, 'start,end,showAs');
      return page.value
        .filter((event) => event.showAs !== 'free')
        .map((event) => ({ start: instant(event.start), end: instant(event.end) }));
    },

    async findBooking(api, id) {
      const page = await graph.get<{ value: GraphEvent[] }>(
        api,
        '/me/events',
        {
          $filter: `singleValueExtendedProperties/Any(ep: ep/id eq '${CALL_PROPERTY}' and ep/value eq '${id}')`,
          $select: 'start,end',
        },
        UTC,
      );
      const event = page.value[0];
      return event ? { start: instant(event.start), end: instant(event.end) } : undefined;
    },

    async createBooking(api, booking) {
      const created = await graph.post<GraphEvent>(api, '/me/events', {
        subject: booking.title,
        start: { dateTime: booking.start.toISOString(), timeZone: 'UTC' },
        end: { dateTime: booking.end.toISOString(), timeZone: 'UTC' },
        // Graph's own guard against a repeated POST, beside the lookup before it.
        transactionId: booking.id,
        singleValueExtendedProperties: [
          { id: CALL_PROPERTY, value: booking.id },
          { id: CONTACT_PROPERTY, value: booking.contactId },
        ],
      });
      return created
        ? { start: instant(created.start), end: instant(created.end) }
        : { start: booking.start, end: booking.end };
    },
  };
}
