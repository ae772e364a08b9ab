import ICAL from 'ical.js';
import { providerId } from '../provider-id.ts';
import { type ToolContext, ToolError } from '../types.ts';
import type { CalendarSession } from './calendar-session.ts';

/** Where a tool call's event lives: the same UID and resource name on every run of the call. */
export interface EventIdentity {
  uid: string;
  filename: string;
}

export function eventIdentity(context: Pick<ToolContext, 'tenantId' | 'idempotencyKey'>): EventIdentity {
  const id = `switchboard-${providerId(context)}`;
  return { uid: `${id}@switchboard`, filename: `${id}.ics` };
}

/** What a calendar write came to: the event's times as the server holds them. */
export interface StoredEvent {
  uid: string;
  start: Date;
  end: Date;
  /** False when an earlier run of the same call had already stored it. */
  created: boolean;
}

async function readBack(session: CalendarSession, identity: EventIdentity): Promise<StoredEvent> {
  const url = new URL(identity.filename, session.calendar.url.replace(/\/?$/, '/')).href;
  const [object] = await session.client.fetchCalendarObjects({
    calendar: session.calendar,
    objectUrls: [url],
  });
  const text = typeof object?.data === 'string' ? object.data : '';
  const component = text ? new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vevent') : null;
  if (!component) throw new ToolError('server_error', 'CalDAV: the stored event could not be read');
  const event = new ICAL.Event(component);
  return {
    uid: identity.uid,
    start: event.startDate.toJSDate(),
    end: event.endDate.toJSDate(),
    created: false,
  };
}

/**
 * Writes an event once: PUT with `If-None-Match: *` at the call's own resource name. A 412
 * means the resource exists, which only an earlier run of this very call can have written
 * (the name is derived from its key), so the earlier run succeeded and its stored event is
 * the answer: nothing is written twice.
 */
export async function storeEventOnce(
  session: CalendarSession,
  identity: EventIdentity,
  event: { start: Date; end: Date; icalendar: string },
): Promise<StoredEvent> {
  // tsdav sends `If-None-Match: *` with every create.
  const response = await session.client.createCalendarObject({
    calendar: session.calendar,
    filename: identity.filename,
    iCalString: event.icalendar,
  });
  if (response.status === 412) return readBack(session, identity);
  if (response.status === 404) throw new ToolError('not_found', 'CalDAV: the calendar was not found', 404);
  if (!response.ok)
    throw new ToolError('server_error', `CalDAV: server answered ${response.status}`, response.status);
  return { uid: identity.uid, start: event.start, end: event.end, created: true };
}
