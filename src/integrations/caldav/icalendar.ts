import ICAL from 'ical.js';

/** One event occurrence as the model sees it. */
export interface CalendarEntry {
  title: string;
  /** ISO 8601 in UTC, or `YYYY-MM-DD` for all-day events. */
  start: string;
  end: string;
  allDay: boolean;
  location?: string;
}

/** What a new event holds. */
export interface NewEvent {
  uid: string;
  title: string;
  start: Date;
  end: Date;
  description?: string;
  /** The contact a customer booking is for; see `contactProperty`. */
  contactId?: string;
  now: Date;
}

/**
 * The iCalendar property that marks an event as booked by (and for) one contact: customers
 * list and cancel only events that carry their own contact id here.
 */
export const contactProperty = 'x-switchboard-contact';

/**
 * Bounds for expanding a recurring event: occurrences stepped through (a daily event since
 * years needs many steps to reach the range) and occurrences kept.
 */
const maximumSteps = 10_000;
const maximumOccurrences = 200;

function utcTime(date: Date): ICAL.Time {
  return ICAL.Time.fromJSDate(date, true);
}

/**
 * A VCALENDAR with one VEVENT in UTC. ical.js escapes the text values (commas, semicolons,
 * line breaks) and folds long lines, so titles from the model cannot break the format.
 */
export function buildEvent(event: NewEvent): string {
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.addPropertyWithValue('prodid', '-//Switchboard//Agent//EN');
  calendar.addPropertyWithValue('version', '2.0');
  const component = new ICAL.Component('vevent');
  component.addPropertyWithValue('uid', event.uid);
  component.addPropertyWithValue('dtstamp', utcTime(event.now));
  component.addPropertyWithValue('dtstart', utcTime(event.start));
  component.addPropertyWithValue('dtend', utcTime(event.end));
  component.addPropertyWithValue('summary', event.title);
  if (event.description) component.addPropertyWithValue('description', event.description);
  if (event.contactId) component.addPropertyWithValue(contactProperty, event.contactId);
  calendar.addSubcomponent(component);
  return calendar.toString();
}

/** Makes the calendar's own VTIMEZONE definitions known, so TZID times convert correctly. */
function registerTimezones(calendar: ICAL.Component): void {
  for (const definition of calendar.getAllSubcomponents('vtimezone')) {
    const tzid = definition.getFirstPropertyValue('tzid');
    if (typeof tzid === 'string' && !ICAL.TimezoneService.has(tzid))
      ICAL.TimezoneService.register(definition);
  }
}

function entry(event: ICAL.Event, start: ICAL.Time, end: ICAL.Time): CalendarEntry {
  const allDay = start.isDate;
  const location = event.location;
  return {
    title: event.summary ?? '',
    start: allDay ? start.toString() : start.toJSDate().toISOString(),
    end: allDay ? end.toString() : end.toJSDate().toISOString(),
    allDay,
    ...(location ? { location } : {}),
  };
}

function overlaps(start: ICAL.Time, end: ICAL.Time, from: Date, to: Date): boolean {
  return start.toJSDate() < to && end.toJSDate() > from;
}

/**
 * The occurrences of the events in iCalendar texts that overlap `[from, to)`, sorted by start.
 * Recurring events are expanded, with their moved or changed instances (RECURRENCE-ID) applied.
 */
export function eventsInRange(texts: string[], from: Date, to: Date): CalendarEntry[] {
  const entries: CalendarEntry[] = [];
  for (const text of texts) {
    const calendar = new ICAL.Component(ICAL.parse(text));
    registerTimezones(calendar);
    const components = calendar.getAllSubcomponents('vevent');
    const exceptions = components.filter((component) => component.hasProperty('recurrence-id'));
    for (const component of components) {
      if (component.hasProperty('recurrence-id')) continue;
      const event = new ICAL.Event(component, { exceptions, strictExceptions: true });
      if (!event.isRecurring()) {
        if (overlaps(event.startDate, event.endDate, from, to))
          entries.push(entry(event, event.startDate, event.endDate));
        continue;
      }
      const iterator = event.iterator();
      let kept = 0;
      for (let step = 0; step < maximumSteps && kept < maximumOccurrences; step += 1) {
        const next = iterator.next();
        if (!next || next.toJSDate() >= to) break;
        const details = event.getOccurrenceDetails(next);
        if (overlaps(details.startDate, details.endDate, from, to)) {
          entries.push(entry(details.item, details.startDate, details.endDate));
          kept += 1;
        }
      }
    }
  }
  return entries.sort((a, b) => a.start.localeCompare(b.start));
}
