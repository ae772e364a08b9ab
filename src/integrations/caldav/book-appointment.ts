import { z } from 'zod';
import type { Tool } from '../types.ts';
import { type BookingRules, readBookingRules } from './booking-rules.ts';
import { bookingContact, bookingHorizonDays, bookingsOf, busyIntervals, objectsInRange } from './bookings.ts';
import { openCalendar } from './calendar-session.ts';
import { freeSlots } from './free-slots.ts';
import { classifyCalendarError } from './http-errors.ts';
import { buildEvent } from './icalendar.ts';
import { readCalendarSettings } from './settings.ts';
import { eventIdentity, storeEventOnce } from './store-event.ts';
import { instantFromIso } from './zoned-time.ts';

const dayMs = 86_400_000;
/** Free slots offered instead when the asked-for time cannot be booked. */
const alternatives = 5;
/** How many days after the asked-for time those are looked for. */
const searchDays = 14;

export const bookAppointmentInput = z.object({
  start: z.iso
    .datetime({ offset: true, local: true })
    .describe(
      "Start, ISO 8601: with offset (2026-11-24T10:00:00+01:00), or without one for the business's local time (2026-11-24T10:00); must be a free slot.",
    ),
  title: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\r\n]*$/, 'one line only')
    .optional()
    .describe('What the appointment is for, one line, e.g. "Beratung".'),
});

export type BookAppointmentInput = z.infer<typeof bookAppointmentInput>;

type Refusal = 'in_the_past' | 'too_far_ahead' | 'outside_opening_hours_or_taken' | 'booking_limit_reached';

function refusal(reason: Refusal, rules: BookingRules, suggestions: Array<{ start: Date; end: Date }>) {
  const answer = {
    booked: false,
    reason,
    openingHours: rules.openingHoursText,
    timeZone: rules.timeZone,
    maxOpenBookings: rules.maxOpenBookings,
    freeSlots: suggestions.map((slot) => ({ start: slot.start.toISOString(), end: slot.end.toISOString() })),
  };
  return { content: JSON.stringify(answer), itemsProcessed: 0 };
}

/**
 * `book_appointment`: books one slot for the contact of the conversation, inside the opening
 * hours and free time only, and only while the contact has fewer open bookings than allowed.
 * The event carries the contact's id (X-SWITCHBOARD-CONTACT) so they can list and cancel it,
 * and a UID from the call's key, so a re-run books nothing twice. A time that cannot be booked
 * is an answer (`booked: false`, why, and free slots instead), not an error.
 */
export const bookAppointmentTool: Tool<BookAppointmentInput> = {
  name: 'book_appointment',
  description:
    'Book an appointment for the customer at a free slot in the opening hours (see find_free_slots). Answers booked: true, or booked: false with the reason and free slots to offer instead.',
  connectorId: 'caldav',
  provider: 'none',
  service: 'caldav',
  actionType: 'create_event',
  audience: 'customer',
  reads: ['calendar_free_busy', 'own_appointments'],
  sideEffect: true,
  inputSchema: bookAppointmentInput,
  async run(input, context) {
    const contactId = bookingContact(context.caller);
    const settings = readCalendarSettings(context.config);
    const rules = readBookingRules(context.config);
    const now = context.now();
    const start = instantFromIso(input.start, rules.timeZone);
    const end = new Date(start.getTime() + rules.slotMinutes * 60_000);
    const identity = eventIdentity(context);
    try {
      const session = await openCalendar(settings, context.egress, context.signal);
      const ahead = new Date(now.getTime() + bookingHorizonDays * dayMs);
      const objects = await objectsInRange(session, new Date(now.getTime() - dayMs), ahead);
      // A re-run after a crash finds its own booking among the stored ones: the same answer.
      const own = bookingsOf(objects, contactId);
      const earlier = own.find((booking) => booking.id === identity.uid);
      const booked = (booking: { start: Date; end: Date }) => ({
        content: JSON.stringify({
          booked: true,
          timeZone: rules.timeZone,
          appointment: {
            id: identity.uid,
            start: booking.start.toISOString(),
            end: booking.end.toISOString(),
          },
        }),
        itemsProcessed: 1,
      });
      if (earlier) return booked(earlier);
      // Busy times only near the asked-for slot: enough to check it and to offer others.
      const window = {
        from: new Date(Math.max(start.getTime() - dayMs, now.getTime())),
        to: new Date(Math.max(start.getTime(), now.getTime()) + searchDays * dayMs),
      };
      const busy = busyIntervals(objects, window.from, window.to, rules.timeZone);
      const nearby = () => freeSlots(rules, busy, { ...window, now }, alternatives);
      if (start < now) return refusal('in_the_past', rules, nearby());
      if (end > ahead) return refusal('too_far_ahead', rules, []);
      if (own.filter((booking) => booking.end > now).length >= rules.maxOpenBookings)
        return refusal('booking_limit_reached', rules, []);
      const free = freeSlots(rules, busy, { from: start, to: end, now }, 1);
      if (free[0]?.start.getTime() !== start.getTime())
        return refusal('outside_opening_hours_or_taken', rules, nearby());
      const stored = await storeEventOnce(session, identity, {
        start,
        end,
        icalendar: buildEvent({
          uid: identity.uid,
          title: input.title ?? 'Appointment',
          start,
          end,
          contactId,
          now,
        }),
      });
      return booked(stored);
    } catch (error) {
      throw classifyCalendarError(error, context.signal);
    }
  },
};
