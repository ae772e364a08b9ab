import type { BookingRules } from './booking-rules.ts';
import { openIntervals } from './opening-hours.ts';

export interface Slot {
  start: Date;
  end: Date;
}

/**
 * The free slots in `[from, to)`: slot-length steps from the start of each opening interval
 * that lie wholly inside it, start at or after `now`, and overlap no busy time.
 */
export function freeSlots(
  rules: BookingRules,
  busy: Slot[],
  range: { from: Date; to: Date; now: Date },
  maximum = Number.POSITIVE_INFINITY,
): Slot[] {
  const slots: Slot[] = [];
  const length = rules.slotMinutes * 60_000;
  for (const interval of openIntervals(rules.openingHours, rules.timeZone, range.from, range.to)) {
    for (let start = interval.start.getTime(); start + length <= interval.end.getTime(); start += length) {
      const end = start + length;
      if (start < range.now.getTime() || start < range.from.getTime() || end > range.to.getTime()) continue;
      if (busy.some((taken) => taken.start.getTime() < end && taken.end.getTime() > start)) continue;
      slots.push({ start: new Date(start), end: new Date(end) });
      if (slots.length >= maximum) return slots;
    }
  }
  return slots;
}
