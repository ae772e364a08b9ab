// Google Calendar over its REST API (v3) on the grant's primary calendar.
import type { Slot } from '../caldav/free-slots.ts';
import type { ApiSession } from '../oauth/api-session.ts';
import type { CalendarApi } from '../oauth/tools/calendar-tools.ts';

interface EventTime {
  dateTime?: string;
  date?: string;
}

interface GoogleEvent {
  id: string;
  status?: string;
  summary?: string;
  location?: string;
  start: EventTime;
  end: EventTime;
}

const timeOf = (time: EventTime) => time.dateTime ?? time.date ?? '';

function slotOf(event: GoogleEvent): Slot {
  return { start: new Date(timeOf(event.start)), end: new Date(timeOf(event.end)) };
}

/** Google Calendar's API below the operator's GOOGLE_API_URL. */
export function googleCalendarApi(apiUrl: string): CalendarApi {
  const base = `${apiUrl}/calendar/v3`;
  const events = `${base}/calendars/primary/events`;
  return {
    async events(api: ApiSession, from, to) {
      const url = new URL(events);
      url.searchParams.set('timeMin', from.toISOString());
      url.searchParams.set('timeMax', to.toISOString());
      url.searchParams.set('singleEvents', 'true');
      url.searchParams.set('orderBy', 'startTime');
      url.searchParams.set('maxResults', '100');
      const found = await api.json<{ items?: GoogleEvent[] }>(url.toString(), {
        what: 'calendar events.list',
      });
      return (found.items ?? [])
        .filter((event) => event.status !== 'cancelled')
        .map((event) => ({
          title: event.summary ?? '',
          start: event.start.dateTime
            ? new Date(event.start.dateTime).toISOString()
            : (event.start.date ?? ''),
          end: event.end.dateTime ? new Date(event.end.dateTime).toISOString() : (event.end.date ?? ''),
          allDay: !event.start.dateTime,
          ...(event.location ? { location: event.location } : {}),
        }));
    },

    async busy(api, from, to) {
      const answer = await api.json<{
        calendars?: Record<string, { busy?: { start: string; end: string }[] }>;
      }>(`${base}/freeBusy`, {
        what: 'calendar freebusy.query',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          timeMin: from.toISOString(),
          timeMax: to.toISOString(),
          items: [{ id: 'primary' }],
        }),
      });
      return (answer.calendars?.primary?.busy ?? []).map((busy) => ({
        start: new Date(busy.start),
        end: new Date(busy.end),
      }));
    },

    async findBooking(api, id) {
      const response = await api.send(`${events}/${id}`, { what: 'calendar events.get', accept: [404, 410] });
      if (!response.ok) return undefined;
      const event = (await response.json()) as GoogleEvent;
      return event.status === 'cancelled' ? undefined : slotOf(event);
    },

    async createBooking(api, booking) {
      const response = await api.send(events, {
        what: 'calendar events.insert',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A 409 means a run of this call created it already: read it back below.
        accept: [409],
        body: JSON.stringify({
          id: booking.id,
          summary: booking.title,
          start: { dateTime: booking.start.toISOString() },
          end: { dateTime: booking.end.toISOString() },
          extendedProperties: { private: { switchboardContact: booking.contactId } },
        }),
      });
      if (response.ok) return slotOf((await response.json()) as GoogleEvent);
      return slotOf(await api.json<GoogleEvent>(`${events}/${booking.id}`, { what: 'calendar events.get' }));
    },
  };
}
