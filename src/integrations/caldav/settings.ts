import type { ConnectorValues } from '../../core/connector.ts';
import { ToolError } from '../types.ts';

/** The `caldav` connector's values, typed. */
export interface CalendarSettings {
  serverUrl: string;
  user: string;
  password: string;
  /** A calendar's display name or path; empty means the first calendar that holds events. */
  calendar: string;
}

/**
 * Reads the stored values. Missing login data means staff must fix the connector, as with a
 * password that stopped working, so it is `auth_expired`.
 */
export function readCalendarSettings(values: ConnectorValues): CalendarSettings {
  const serverUrl = values.server_url?.trim() ?? '';
  const user = values.user?.trim() ?? '';
  const password = values.password ?? '';
  if (!serverUrl || !user || !password) {
    throw new ToolError('auth_expired', 'The calendar connector lacks server URL, user or password');
  }
  if (!URL.canParse(serverUrl) || !/^https?:$/.test(new URL(serverUrl).protocol)) {
    throw new ToolError('auth_expired', 'The calendar connector has an invalid server URL');
  }
  return { serverUrl, user, password, calendar: values.calendar?.trim() ?? '' };
}
