import { z } from 'zod';
import type { Tool } from '../types.ts';
import { readBookingRules } from './booking-rules.ts';
import { busyIntervals, objectsInRange } from './bookings.ts';
import { openCalendar } from './calendar-session.ts';
import { freeSlots } from './free-slots.ts';
import { classifyCalendarError } from './http-errors.ts';
import { readCalendarSettings } from './settings.ts';
import { addDays, instantOf } from './zoned-time.ts';

const dayMs = 86_400_000;
const maximumDays = 14;
/** Enough choice for a chat; more would only fill the model's context. */
const maximumSlots = 30;

export const findFreeSlotsInput = z
  .object({
    date: z.iso
      .date()
      .optional()
      .describe("One day (YYYY-MM-DD) in the business's time zone; or give from/to."),
    from: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Start of the range, ISO 8601 with offset; now when left out.'),
    to: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(`End of the range, ISO 8601 with offset; at most ${maximumDays} days after the start.`),
  })
  .refine((input) => !input.from || !input.to || new Date(input.to) > new Date(input.from), {
    message: 'to must be after from',
    path: ['to'],
  });

export type FindFreeSlotsInput = z.infer<typeof findFreeSlotsInput>;

/** The range a `find_free_slots` call asks about, in the business's zone (CalDAV and OAuth calendars). */
export function rangeOf(input: FindFreeSlotsInput, now: Date, zone: string): { from: Date; to: Date } {
  if (input.date) {
    const [year, month, day] = input.date.split('-').map(Number);
    const date = { year: year!, month: month!, day: day! };
    return { from: instantOf(date, 0, zone), to: instantOf(addDays(date, 1), 0, zone) };
  }
  const from = input.from ? new Date(input.from) : now;
  const latest = new Date(from.getTime() + maximumDays * dayMs);
  const to = input.to
    ? new Date(Math.min(new Date(input.to).getTime(), latest.getTime()))
    : new Date(from.getTime() + 7 * dayMs);
  return { from, to };
}

/**
 * `find_free_slots`: when an appointment can be booked, from the opening hours and the
 * calendar's busy times. Free/busy only: nothing about the events themselves (no titles,
 * attendees or descriptions) reaches the result.
 */
export const findFreeSlotsTool: Tool<FindFreeSlotsInput> = {
  name: 'find_free_slots',
  description:
    'Find free appointment slots in the opening hours (free/busy only), for one day or a range of up to 14 days.',
  connectorId: 'caldav',
  provider: 'none',
  service: 'caldav',
  actionType: 'read_calendar',
  audience: 'customer',
  reads: ['calendar_free_busy'],
  sideEffect: false,
  dataType: 'calendar_events',
  inputSchema: findFreeSlotsInput,
  async run(input, context) {
    const settings = readCalendarSettings(context.config);
    const rules = readBookingRules(context.config);
    const now = context.now();
    const range = rangeOf(input, now, rules.timeZone);
    try {
      const session = await openCalendar(settings, context.egress, context.signal);
      const objects = await objectsInRange(session, range.from, range.to);
      const busy = busyIntervals(objects, range.from, range.to, rules.timeZone);
      const slots = freeSlots(rules, busy, { ...range, now }, maximumSlots).map((slot) => ({
        start: slot.start.toISOString(),
        end: slot.end.toISOString(),
      }));
      const answer = {
        timeZone: rules.timeZone,
        openingHours: rules.openingHoursText,
        slotMinutes: rules.slotMinutes,
        slots,
      };
      return { content: JSON.stringify(answer), itemsProcessed: slots.length };
    } catch (error) {
      throw classifyCalendarError(error, context.signal);
    }
  },
};
