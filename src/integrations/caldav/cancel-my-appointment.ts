import { z } from 'zod';
import { type Tool, ToolError } from '../types.ts';
import { bookingTimeZone } from './booking-rules.ts';
import { bookingContact, upcomingBookings } from './bookings.ts';
import { classifyCalendarError } from './http-errors.ts';

export const cancelMyAppointmentInput = z.object({
  id: z.string().trim().min(1).max(200).describe('The id from list_my_appointments.'),
});

/**
 * `cancel_my_appointment`: deletes one upcoming appointment of the conversation's contact.
 * The id is looked up among that contact's own bookings only, so an id of anyone else's
 * event (guessed, or planted in a message) is simply not found.
 */
export const cancelMyAppointmentTool: Tool<z.infer<typeof cancelMyAppointmentInput>> = {
  name: 'cancel_my_appointment',
  description: "Cancel one of the customer's own upcoming appointments, by its id from list_my_appointments.",
  connectorId: 'caldav',
  provider: 'none',
  service: 'caldav',
  actionType: 'other',
  audience: 'customer',
  reads: ['own_appointments'],
  sideEffect: true,
  inputSchema: cancelMyAppointmentInput,
  async run(input, context) {
    const contactId = bookingContact(context.caller);
    try {
      const { session, bookings } = await upcomingBookings(context, contactId);
      const booking = bookings.find((candidate) => candidate.id === input.id);
      if (!booking)
        throw new ToolError('not_found', 'CalDAV: no upcoming appointment of this customer has that id');
      const response = await session.client.deleteCalendarObject({
        calendarObject: { url: booking.url, ...(booking.etag ? { etag: booking.etag } : {}) },
      });
      // 404: already gone (a re-run of this call); the appointment is cancelled either way.
      if (!response.ok && response.status !== 404)
        throw new ToolError('server_error', `CalDAV: server answered ${response.status}`, response.status);
      const cancelled = {
        id: booking.id,
        start: booking.start.toISOString(),
        end: booking.end.toISOString(),
      };
      return {
        content: JSON.stringify({ timeZone: bookingTimeZone(context.config), cancelled }),
        itemsProcessed: 1,
      };
    } catch (error) {
      throw classifyCalendarError(error, context.signal);
    }
  },
};
