import ICAL from 'ical.js';
import type { ToolCaller, ToolContext } from '../types.ts';
import { ToolError } from '../types.ts';
import { type CalendarSession, openCalendar } from './calendar-session.ts';
import { contactProperty, eventsInRange } from './icalendar.ts';
import { readCalendarSettings } from './settings.ts';
import { instantOf } from './zoned-time.ts';

const dayMs = 86_400_000;
/** How far ahead a contact's bookings are looked for (and may be made). */
export const bookingHorizonDays = 365;

/** A stored calendar object: its text and where it lives. */
export interface CalendarObject {
  url: string;
  etag: string | undefined;
  text: string;
}

/** One appointment booked for a contact, as the calendar holds it. */
export interface Booking {
  /** The event's UID: what `cancel_my_appointment` takes. */
  id: string;
  title: string;
  start: Date;
  end: Date;
  url: string;
  etag: string | undefined;
}

/** The calendar's objects with an event in `[from, to)` (the server filters by time range). */
export async function objectsInRange(
  session: CalendarSession,
  from: Date,
  to: Date,
): Promise<CalendarObject[]> {
  const objects = await session.client.fetchCalendarObjects({
    calendar: session.calendar,
    timeRange: { start: from.toISOString(), end: to.toISOString() },
  });
  return objects
    .filter((object) => typeof object.data === 'string' && object.data !== '')
    .map((object) => ({ url: object.url, etag: object.etag, text: object.data as string }));
}

/**
 * When the calendar is busy in `[from, to)`: times only, never what the events are. All-day
 * events block their whole days in the business's zone.
 */
export function busyIntervals(
  objects: CalendarObject[],
  from: Date,
  to: Date,
  zone: string,
): Array<{ start: Date; end: Date }> {
  const day = (text: string) => {
    const [year, month, date] = text.split('-').map(Number);
    return instantOf({ year: year!, month: month!, day: date! }, 0, zone);
  };
  return eventsInRange(
    objects.map((object) => object.text),
    from,
    to,
  ).map((entry) =>
    entry.allDay
      ? { start: day(entry.start), end: day(entry.end) }
      : { start: new Date(entry.start), end: new Date(entry.end) },
  );
}

/** The events among `objects` booked for this contact (marked with its id), earliest first. */
export function bookingsOf(objects: CalendarObject[], contactId: string): Booking[] {
  const bookings: Booking[] = [];
  for (const object of objects) {
    const calendar = new ICAL.Component(ICAL.parse(object.text));
    for (const component of calendar.getAllSubcomponents('vevent')) {
      if (component.getFirstPropertyValue(contactProperty) !== contactId) continue;
      const event = new ICAL.Event(component);
      bookings.push({
        id: event.uid,
        title: event.summary ?? '',
        start: event.startDate.toJSDate(),
        end: event.endDate.toJSDate(),
        url: object.url,
        etag: object.etag,
      });
    }
  }
  return bookings.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/**
 * The contact a customer's calendar call acts for. Staff use `read_calendar`/`create_event`;
 * a sender whose email failed authentication may claim anyone's contact, so gets none.
 */
export function bookingContact(caller: ToolCaller): string {
  if (caller.kind !== 'customer' || !caller.contactId) {
    throw new ToolError('permission_denied', 'Appointments are booked for a customer conversation only');
  }
  if (!caller.verified) {
    throw new ToolError('permission_denied', 'The sender could not be verified; no appointments for them');
  }
  return caller.contactId;
}

/** The contact's appointments that have not ended yet, and the session that found them. */
export async function upcomingBookings(
  context: ToolContext,
  contactId: string,
): Promise<{ session: CalendarSession; bookings: Booking[] }> {
  const session = await openCalendar(readCalendarSettings(context.config), context.egress, context.signal);
  const now = context.now();
  const objects = await objectsInRange(session, now, new Date(now.getTime() + bookingHorizonDays * dayMs));
  return { session, bookings: bookingsOf(objects, contactId).filter((booking) => booking.end > now) };
}
