import { addDays, instantOf, wallTime } from './zoned-time.ts';

/** Opening hours by weekday (0 Sunday … 6 Saturday): ranges in minutes after midnight. */
export type OpeningHours = Array<Array<{ from: number; to: number }>>;

/** English and German two-letter day names, Sunday first. */
const dayNames: Record<string, number> = {
  su: 0,
  so: 0,
  mo: 1,
  tu: 2,
  di: 2,
  we: 3,
  mi: 3,
  th: 4,
  do: 4,
  fr: 5,
  sa: 6,
};

function minuteOf(text: string): number | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  if (hour > 24 || minute > 59 || (hour === 24 && minute > 0)) return undefined;
  return hour * 60 + minute;
}

function daysOf(text: string): number[] | undefined {
  const days: number[] = [];
  for (const part of text.split(',')) {
    const [first, last] = part.split('-').map((name) => dayNames[name.trim().toLowerCase().slice(0, 2)]);
    if (first === undefined || (part.includes('-') && last === undefined)) return undefined;
    const end = last ?? first;
    for (let day = first; ; day = (day + 1) % 7) {
      days.push(day);
      if (day === end) break;
    }
  }
  return days;
}

/**
 * Parses opening hours like `Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-13:00` (English or German
 * day names). Undefined when the text does not follow that form, so a typo never opens the
 * calendar around the clock.
 */
export function parseOpeningHours(text: string): OpeningHours | undefined {
  const week: OpeningHours = [[], [], [], [], [], [], []];
  const rules = text
    .split(';')
    .map((rule) => rule.trim())
    .filter(Boolean);
  if (rules.length === 0) return undefined;
  for (const rule of rules) {
    const match = /^([A-Za-z,\- ]+?)\s+([\d:,\- ]+)$/.exec(rule);
    if (!match) return undefined;
    const days = daysOf(match[1]!.replace(/\s+/g, ''));
    if (!days) return undefined;
    for (const range of match[2]!.replace(/\s+/g, '').split(',')) {
      const [from, to] = range.split('-').map(minuteOf);
      if (from === undefined || to === undefined || to <= from) return undefined;
      for (const day of days) week[day]!.push({ from, to });
    }
  }
  return week;
}

/** The opening intervals (UTC instants) that overlap `[from, to)`, in order. */
export function openIntervals(
  hours: OpeningHours,
  zone: string,
  from: Date,
  to: Date,
): Array<{ start: Date; end: Date }> {
  const intervals: Array<{ start: Date; end: Date }> = [];
  const first = wallTime(from, zone);
  // One day before and after: a zone's day can start before `from` in UTC.
  for (let offset = -1; ; offset += 1) {
    const date = addDays(first, offset);
    const dayStart = instantOf(date, 0, zone);
    if (dayStart >= to) break;
    for (const range of hours[date.weekday] ?? []) {
      const start = instantOf(date, range.from, zone);
      const end = instantOf(date, range.to, zone);
      if (end > from && start < to) intervals.push({ start, end });
    }
  }
  return intervals.sort((a, b) => a.start.getTime() - b.start.getTime());
}
