// Calendar tools on a provider's API (Google Calendar, Outlook calendar) with the names and
// scopes of the CalDAV ones: `read_calendar` for staff; `find_free_slots` (busy times only)
// and `book_appointment` for customers, inside the opening hours (the CalDAV defaults), with
// an event id derived from the call's key so a re-run books nothing twice.

import { type BookAppointmentInput, bookAppointmentInput } from '../../caldav/book-appointment.ts';
import { type BookingRules, readBookingRules } from '../../caldav/booking-rules.ts';
import { bookingContact } from '../../caldav/bookings.ts';
import { type FindFreeSlotsInput, findFreeSlotsInput, rangeOf } from '../../caldav/find-free-slots.ts';
import { freeSlots, type Slot } from '../../caldav/free-slots.ts';
import { type ReadCalendarInput, readCalendarInput } from '../../caldav/read-calendar.ts';
import { instantFromIso } from '../../caldav/zoned-time.ts';
import { providerId } from '../../provider-id.ts';
import type { Tool } from '../../types.ts';
import { outsideTextNotice } from '../../untrusted.ts';
import type { ApiSession } from '../api-session.ts';
import { oauthTool, type ToolTarget } from './oauth-tool.ts';

const dayMs = 86_400_000;
const maximumSlots = 30;
const alternatives = 5;

export interface ListedEvent {
  title: string;
  start: string;
  end: string;
  allDay: boolean;
  location?: string;
}

export interface NewBooking {
  /** Hex, from the call's key: Google's event id, Microsoft's `transactionId`. */
  id: string;
  title: string;
  start: Date;
  end: Date;
  contactId: string;
}

/** What the calendar tools need of a provider's API. */
export interface CalendarApi {
  events(api: ApiSession, from: Date, to: Date): Promise<ListedEvent[]>;
  busy(api: ApiSession, from: Date, to: Date): Promise<Slot[]>;
  /** The times of the event a call with this id booked, if any (lookup before the side effect). */
  findBooking(api: ApiSession, id: string): Promise<Slot | undefined>;
  /** Creates the event with this id; answers the stored event's times. */
  createBooking(api: ApiSession, booking: NewBooking): Promise<Slot>;
}

function slotsJson(slots: Slot[]) {
  return slots.map((slot) => ({ start: slot.start.toISOString(), end: slot.end.toISOString() }));
}

function refusal(reason: string, rules: BookingRules, suggestions: Slot[]) {
  return {
    content: JSON.stringify({
      booked: false,
      reason,
      openingHours: rules.openingHoursText,
      timeZone: rules.timeZone,
      freeSlots: slotsJson(suggestions),
    }),
    itemsProcessed: 0,
  };
}

export function calendarTools(target: ToolTarget, calendar: CalendarApi): Tool[] {
  const readCalendar = oauthTool<ReadCalendarInput>(target, {
    name: 'read_calendar',
    description:
      "Read the business calendar's events (title, start, end, location) in a time range. Staff only.",
    actionType: 'read_calendar',
    audience: 'staff',
    reads: ['calendar'],
    sideEffect: false,
    dataType: 'calendar_events',
    inputSchema: readCalendarInput,
    async run(input, _context, api) {
      const events = await calendar.events(api, new Date(input.from), new Date(input.to));
      return {
        content: JSON.stringify({ notice: outsideTextNotice, events }),
        itemsProcessed: events.length,
      };
    },
  });

  const findFreeSlots = oauthTool<FindFreeSlotsInput>(target, {
    name: 'find_free_slots',
    description:
      'Find free appointment slots in the opening hours (free/busy only), for one day or a range of up to 14 days.',
    actionType: 'read_calendar',
    audience: 'customer',
    reads: ['calendar', 'calendar_free_busy'],
    sideEffect: false,
    dataType: 'calendar_events',
    inputSchema: findFreeSlotsInput,
    async run(input, context, api) {
      const rules = readBookingRules(context.config);
      const now = context.now();
      const range = rangeOf(input, now, rules.timeZone);
      const busy = await calendar.busy(api, range.from, range.to);
      const slots = slotsJson(freeSlots(rules, busy, { ...range, now }, maximumSlots));
      const answer = {
        timeZone: rules.timeZone,
        openingHours: rules.openingHoursText,
        slotMinutes: rules.slotMinutes,
        slots,
      };
      return { content: JSON.stringify(answer), itemsProcessed: slots.length };
    },
  });

  const bookAppointment = oauthTool<BookAppointmentInput>(target, {
    name: 'book_appointment',
    description:
      'Book an appointment for the customer at a free slot in the opening hours (see find_free_slots). Answers booked: true, or booked: false with the reason and free slots to offer instead.',
    actionType: 'create_event',
    audience: 'customer',
    reads: ['calendar', 'calendar_free_busy'],
    sideEffect: true,
    inputSchema: bookAppointmentInput,
    async run(input, context, api) {
      const contactId = bookingContact(context.caller);
      const rules = readBookingRules(context.config);
      const now = context.now();
      const start = instantFromIso(input.start, rules.timeZone);
      const end = new Date(start.getTime() + rules.slotMinutes * 60_000);
      const id = providerId(context);
      const window = {
        from: new Date(Math.max(start.getTime() - dayMs, now.getTime())),
        to: new Date(Math.max(start.getTime(), now.getTime()) + 14 * dayMs),
      };
      const booked = (slot: Slot) => ({
        content: JSON.stringify({
          booked: true,
          timeZone: rules.timeZone,
          appointment: { id, ...slotsJson([slot])[0] },
        }),
        itemsProcessed: 1,
      });
      // A re-run after a crash finds the first run's event: the same answer, no second booking.
      const earlier = await calendar.findBooking(api, id);
      if (earlier) return booked(earlier);
      const busy = await calendar.busy(api, window.from, window.to);
      const nearby = () => freeSlots(rules, busy, { ...window, now }, alternatives);
      if (start < now) return refusal('in_the_past', rules, nearby());
      const free = freeSlots(rules, busy, { from: start, to: end, now }, 1);
      if (free[0]?.start.getTime() !== start.getTime())
        return refusal('outside_opening_hours_or_taken', rules, nearby());
      return booked(
        await calendar.createBooking(api, { id, title: input.title ?? 'Appointment', start, end, contactId }),
      );
    },
  });

  return [readCalendar as Tool, findFreeSlots as Tool, bookAppointment as Tool];
}
