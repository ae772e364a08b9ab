import { z } from 'zod';
import type { Tool } from '../types.ts';
import { outsideTextNotice } from '../untrusted.ts';
import { bookingTimeZone } from './booking-rules.ts';
import { bookingContact, upcomingBookings } from './bookings.ts';
import { classifyCalendarError } from './http-errors.ts';

export const listMyAppointmentsInput = z.object({});

/**
 * `list_my_appointments`: the upcoming appointments booked for the contact of the
 * conversation (events marked with its id), and nothing else of the calendar. No argument
 * names the contact: it is the caller's, always.
 */
export const listMyAppointmentsTool: Tool<z.infer<typeof listMyAppointmentsInput>> = {
  name: 'list_my_appointments',
  description: "List the customer's own upcoming appointments (id, title, start, end).",
  connectorId: 'caldav',
  provider: 'none',
  service: 'caldav',
  actionType: 'read_calendar',
  audience: 'customer',
  reads: ['own_appointments'],
  sideEffect: false,
  dataType: 'calendar_events',
  inputSchema: listMyAppointmentsInput,
  async run(_input, context) {
    const contactId = bookingContact(context.caller);
    try {
      const { bookings } = await upcomingBookings(context, contactId);
      const appointments = bookings.map((booking) => ({
        id: booking.id,
        title: booking.title,
        start: booking.start.toISOString(),
        end: booking.end.toISOString(),
      }));
      return {
        content: JSON.stringify({
          notice: outsideTextNotice,
          timeZone: bookingTimeZone(context.config),
          appointments,
        }),
        itemsProcessed: appointments.length,
      };
    } catch (error) {
      throw classifyCalendarError(error, context.signal);
    }
  },
};
