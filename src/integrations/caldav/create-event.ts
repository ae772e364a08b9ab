import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Tool, ToolError } from '../types.ts';
import { openCalendar } from './calendar-session.ts';
import { classifyCalendarError } from './http-errors.ts';
import { buildEvent } from './icalendar.ts';
import { readCalendarSettings } from './settings.ts';

const defaultDurationMinutes = 60;

export const createEventInput = z
  .object({
    title: z.string().trim().min(1).max(200).describe('What the event is, e.g. "Beratung Anna Becker".'),
    start: z.iso
      .datetime({ offset: true })
      .describe('Start, ISO 8601 with offset, e.g. 2026-11-24T10:00:00+01:00.'),
    end: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('End, ISO 8601 with offset; or give durationMinutes.'),
    durationMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .optional()
      .describe(`Length in minutes when end is not given; ${defaultDurationMinutes} when neither is.`),
    description: z.string().trim().max(2000).optional().describe('Notes for the event.'),
  })
  .refine((event) => !event.end || new Date(event.end) > new Date(event.start), {
    message: 'end must be after start',
    path: ['end'],
  });

export type CreateEventInput = z.infer<typeof createEventInput>;

/** `create_event`: one event in the business's calendar; answers with its UID. */
export const createEventTool: Tool<CreateEventInput> = {
  name: 'create_event',
  description: "Create an event (appointment) in the business's calendar. Returns the event's uid.",
  connectorId: 'caldav',
  provider: 'none',
  service: 'caldav',
  actionType: 'create_event',
  audience: 'staff',
  reads: ['calendar'],
  sideEffect: true,
  inputSchema: createEventInput,
  async run(input, context) {
    const settings = readCalendarSettings(context.config);
    const start = new Date(input.start);
    const end = input.end
      ? new Date(input.end)
      : new Date(start.getTime() + (input.durationMinutes ?? defaultDurationMinutes) * 60_000);
    const uid = `${randomUUID()}@switchboard`;
    try {
      const { client, calendar } = await openCalendar(settings, context.egress, context.signal);
      const response = await client.createCalendarObject({
        calendar,
        filename: `${uid}.ics`,
        iCalString: buildEvent({
          uid,
          title: input.title,
          start,
          end,
          ...(input.description ? { description: input.description } : {}),
          now: context.now(),
        }),
      });
      if (response.status === 404)
        throw new ToolError('not_found', 'CalDAV: the calendar was not found', 404);
      if (!response.ok)
        throw new ToolError('server_error', `CalDAV: server answered ${response.status}`, response.status);
      const created = { uid, start: start.toISOString(), end: end.toISOString() };
      return { content: JSON.stringify({ created }), itemsProcessed: 1 };
    } catch (error) {
      throw classifyCalendarError(error, context.signal);
    }
  },
};
