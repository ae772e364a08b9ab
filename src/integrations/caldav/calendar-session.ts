import type { createDAVClient, DAVCalendar } from 'tsdav';
import type { Egress } from '../../core/egress.ts';
import { ToolError } from '../types.ts';
import { guardedFetch } from './http-errors.ts';
import type { CalendarSettings } from './settings.ts';

/** A logged-in CalDAV client and the calendar the connector names. */
export interface CalendarSession {
  client: Awaited<ReturnType<typeof createDAVClient>>;
  calendar: DAVCalendar;
  calendars: DAVCalendar[];
}

function holdsEvents(calendar: DAVCalendar): boolean {
  return !calendar.components || calendar.components.includes('VEVENT');
}

function matches(calendar: DAVCalendar, wanted: string): boolean {
  const name = typeof calendar.displayName === 'string' ? calendar.displayName : '';
  if (name.toLowerCase() === wanted.toLowerCase()) return true;
  const trimmed = wanted.replace(/\/+$/, '');
  const path = new URL(calendar.url).pathname.replace(/\/+$/, '');
  return (
    path === trimmed ||
    path.endsWith(`/${trimmed.replace(/^\/+/, '')}`) ||
    calendar.url.replace(/\/+$/, '') === trimmed
  );
}

/**
 * Lists the account's calendars (discovery via tsdav). Every request goes through the egress
 * guard's fetch, so discovery's redirects stay on the configured host.
 */
export async function listCalendars(settings: CalendarSettings, egress: Egress, signal: AbortSignal) {
  // Imported on first use, not at start-up.
  const { createDAVClient } = await import('tsdav');
  const client = await createDAVClient({
    serverUrl: settings.serverUrl,
    credentials: { username: settings.user, password: settings.password },
    authMethod: 'Basic',
    defaultAccountType: 'caldav',
    fetch: guardedFetch(egress, signal, new URL(settings.serverUrl).hostname),
  });
  return { client, calendars: await client.fetchCalendars() };
}

/**
 * Logs in, discovers the calendars and picks the configured one (by display name or path;
 * else the first that holds events). None found is `not_found`.
 */
export async function openCalendar(
  settings: CalendarSettings,
  egress: Egress,
  signal: AbortSignal,
): Promise<CalendarSession> {
  signal.throwIfAborted();
  const { client, calendars } = await listCalendars(settings, egress, signal);
  const calendar = settings.calendar
    ? calendars.find((candidate) => matches(candidate, settings.calendar))
    : calendars.find(holdsEvents);
  if (!calendar) {
    throw new ToolError(
      'not_found',
      settings.calendar ? 'CalDAV: the calendar was not found' : 'CalDAV: no calendar',
      404,
    );
  }
  return { client, calendar, calendars };
}
