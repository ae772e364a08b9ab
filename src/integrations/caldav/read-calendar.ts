import { z } from 'zod';
import type { Tool } from '../types.ts';
import { outsideTextNotice } from '../untrusted.ts';
import { openCalendar } from './calendar-session.ts';
import { classifyCalendarError } from './http-errors.ts';
import { eventsInRange } from './icalendar.ts';
import { readCalendarSettings } from './settings.ts';

/** Longest range one call may read: a quarter year keeps answers and server load small. */
const maximumRangeDays = 92;
const dayMs = 86_400_000;

export const readCalendarInput = z
  .object({
    from: z.iso.datetime({ offset: true }).describe('Start of the range, ISO 8601 with offset.'),
    to: z.iso.datetime({ offset: true }).describe('End of the range (exclusive), ISO 8601 with offset.'),
  })
  .refine((range) => new Date(range.to) > new Date(range.from), {
    message: 'to must be after from',
    path: ['to'],
  })
  .refine(
    (range) => new Date(range.to).getTime() - new Date(range.from).getTime() <= maximumRangeDays * dayMs,
    {
      message: `the range may span at most ${maximumRangeDays} days`,
      path: ['to'],
    },
  );

export type ReadCalendarInput = z.infer<typeof readCalendarInput>;

/** `read_calendar`: the events of the business's calendar that overlap a time range. */
export const readCalendarTool: Tool<ReadCalendarInput> = {
  name: 'read_calendar',
  description:
    "Read the business's calendar: the events overlapping a time range (e.g. today or tomorrow), with title, start, end.",
  connectorId: 'caldav',
  provider: 'none',
  service: 'caldav',
  actionType: 'read_calendar',
  audience: 'staff',
  reads: ['calendar'],
  sideEffect: false,
  dataType: 'calendar_events',
  inputSchema: readCalendarInput,
  async run(input, context) {
    const settings = readCalendarSettings(context.config);
    const from = new Date(input.from);
    const to = new Date(input.to);
    try {
      const { client, calendar } = await openCalendar(settings, context.egress, context.signal);
      // The server filters by time range (recurring events included); we expand and filter exactly.
      const objects = await client.fetchCalendarObjects({
        calendar,
        timeRange: { start: from.toISOString(), end: to.toISOString() },
      });
      const texts = objects
        .map((object) => (typeof object.data === 'string' ? object.data : ''))
        .filter(Boolean);
      const events = eventsInRange(texts, from, to);
      return {
        content: JSON.stringify({ notice: outsideTextNotice, events }),
        itemsProcessed: events.length,
      };
    } catch (error) {
      throw classifyCalendarError(error, context.signal);
    }
  },
};
