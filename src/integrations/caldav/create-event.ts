import { z } from 'zod';
import type { Tool } from '../types.ts';
import { openCalendar } from './calendar-session.ts';
import { classifyCalendarError } from './http-errors.ts';
import { buildEvent } from './icalendar.ts';
import { readCalendarSettings } from './settings.ts';
import { eventIdentity, storeEventOnce } from './store-event.ts';

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

/**
 * `create_event`: one event in the business's calendar; answers with its UID. The UID and the
 * resource name come from the call's key, so a re-run of the call stores nothing twice.
 */
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
    const identity = eventIdentity(context);
    try {
      const session = await openCalendar(settings, context.egress, context.signal);
      const stored = await storeEventOnce(session, identity, {
        start,
        end,
        icalendar: buildEvent({
          uid: identity.uid,
          title: input.title,
          start,
          end,
          ...(input.description ? { description: input.description } : {}),
          now: context.now(),
        }),
      });
      const created = { uid: stored.uid, start: stored.start.toISOString(), end: stored.end.toISOString() };
      return { content: JSON.stringify({ created }), itemsProcessed: 1 };
    } catch (error) {
      throw classifyCalendarError(error, context.signal);
    }
  },
};
