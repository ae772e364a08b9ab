import { classifyConnectionFailure, connectionFailureText } from '../../core/connection-failure.ts';
import type { ConnectionCheck, ConnectorValues } from '../../core/connector.ts';
import type { Egress } from '../../core/egress.ts';
import type { ToolError } from '../types.ts';
import { openCalendar } from './calendar-session.ts';
import { classifyCalendarError } from './http-errors.ts';
import { readCalendarSettings } from './settings.ts';

const explanations: Record<ToolError['errorType'], string> = {
  auth_expired: 'the login was refused: check user and password',
  network_error: 'the server could not be reached: check the server URL',
  permission_denied: 'the login may not read the calendars',
  not_found: 'the calendar was not found: check its name or leave it empty',
  rate_limited: 'the server limits requests: try again later',
  server_error: 'the server failed or is not a CalDAV server',
};

/**
 * The hub's "test connection": log in, list the calendars and find the configured one, through
 * the egress guard. The detail names a classified cause and the calendars found, never the
 * password or the server's text.
 */
export async function testCalendarConnection(
  values: ConnectorValues,
  signal: AbortSignal,
  egress: Egress,
): Promise<ConnectionCheck> {
  try {
    const settings = readCalendarSettings(values);
    const { calendar, calendars } = await openCalendar(settings, egress, signal);
    const name =
      typeof calendar.displayName === 'string' && calendar.displayName ? calendar.displayName : calendar.url;
    return { ok: true, detail: `CalDAV: ${calendars.length} calendar(s); the agent uses "${name}"` };
  } catch (error) {
    // How the connection failed, when it did: refused by the egress policy, connection refused…
    const connection = signal.aborted ? 'timed_out' : classifyConnectionFailure(error);
    if (connection) return { ok: false, detail: `CalDAV: ${connectionFailureText[connection]}` };
    const classified = classifyCalendarError(error, signal);
    // Our own messages name the missing field or calendar, never a value.
    if (classified.message.startsWith('The calendar connector'))
      return { ok: false, detail: classified.message };
    if (classified.message === 'CalDAV: no calendar') {
      return { ok: false, detail: 'CalDAV: the login works but the account has no calendar for events' };
    }
    return { ok: false, detail: `CalDAV: ${explanations[classified.errorType]} (${classified.errorType})` };
  }
}
