import type { ConnectorValues } from '../../core/connector.ts';
import { ToolError } from '../types.ts';
import { type OpeningHours, parseOpeningHours } from './opening-hours.ts';
import { isTimeZone } from './zoned-time.ts';

/** What customers may book: the `caldav` connector's booking fields, typed. */
export interface BookingRules {
  /** As configured, for telling the customer. */
  openingHoursText: string;
  openingHours: OpeningHours;
  timeZone: string;
  slotMinutes: number;
  /** Bookings a contact may have that have not ended yet. */
  maxOpenBookings: number;
}

export const bookingDefaults = {
  openingHours: 'Mo-Fr 09:00-17:00',
  timeZone: 'Europe/Berlin',
  slotMinutes: 30,
  maxOpenBookings: 2,
} as const;

function whole(value: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value.trim());
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ToolError('auth_expired', `The calendar connector has an invalid ${name}`);
  }
  return number;
}

/**
 * Reads the booking fields, defaults for the empty ones. An invalid value stops customer
 * booking (never a guess that opens more hours): staff must fix the connector.
 */
export function readBookingRules(values: ConnectorValues): BookingRules {
  const openingHoursText = values.opening_hours?.trim() || bookingDefaults.openingHours;
  const openingHours = parseOpeningHours(openingHoursText);
  if (!openingHours) throw new ToolError('auth_expired', 'The calendar connector has invalid opening hours');
  const timeZone = values.time_zone?.trim() || bookingDefaults.timeZone;
  if (!isTimeZone(timeZone))
    throw new ToolError('auth_expired', 'The calendar connector has an invalid time zone');
  return {
    openingHoursText,
    openingHours,
    timeZone,
    slotMinutes: whole(values.slot_minutes, bookingDefaults.slotMinutes, 5, 480, 'slot length'),
    maxOpenBookings: whole(values.max_open_bookings, bookingDefaults.maxOpenBookings, 1, 50, 'booking limit'),
  };
}

/** The zone to show appointment times in: the configured one when valid, else the default. */
export function bookingTimeZone(values: ConnectorValues): string {
  const zone = values.time_zone?.trim() ?? '';
  return zone && isTimeZone(zone) ? zone : bookingDefaults.timeZone;
}
