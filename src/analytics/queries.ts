// The dashboard's queries. Each groups plain columns with Prisma's groupBy, which both
// databases answer alike, and does the arithmetic and the ordering here: rounding and string
// collation then cannot differ between SQLite and PostgreSQL.
import type { Db } from '../store/index.ts';
import type { EventName } from './catalog.ts';

/** The half-open interval [from, to) of `occurredAt` a query covers. */
export interface TimeWindow {
  from: Date;
  to: Date;
}

/** The funnel of the seed: each step's events and its conversion from the step before. */
export const FUNNEL_STEPS = [
  'integration_viewed',
  'integration_connect_clicked',
  'integration_oauth_started',
  'integration_oauth_completed',
  'integration_used_in_chat',
] as const satisfies readonly EventName[];

/**
 * `part` as a percentage of `whole`, rounded to two decimals as the seed's SQL does; null
 * when `whole` is 0 (no attempts means no rate, not a division error).
 */
export function percentage(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part * 10_000) / whole) / 100;
}

const byText = (left: string, right: string) => (left < right ? -1 : left > right ? 1 : 0);

function inWindow(tenantId: string, names: readonly EventName[], window: TimeWindow) {
  return { tenantId, name: { in: [...names] }, occurredAt: { gte: window.from, lt: window.to } };
}

export async function integrationFunnel(db: Db, tenantId: string, window: TimeWindow) {
  const groups = await db.analyticsEvent.groupBy({
    by: ['name'],
    where: inWindow(tenantId, FUNNEL_STEPS, window),
    _count: { _all: true },
  });
  const counts = new Map(groups.map((group) => [group.name, group._count._all]));
  return FUNNEL_STEPS.map((event, index) => {
    const count = counts.get(event) ?? 0;
    const previous = index === 0 ? undefined : (counts.get(FUNNEL_STEPS[index - 1]!) ?? 0);
    return { event, count, conversionRate: previous === undefined ? null : percentage(count, previous) };
  });
}

/** The seed's first query: connect clicks against completed OAuth flows, per provider. */
export async function connectionRate(db: Db, tenantId: string, window: TimeWindow) {
  const groups = await db.analyticsEvent.groupBy({
    by: ['provider', 'name'],
    where: inWindow(tenantId, ['integration_connect_clicked', 'integration_oauth_completed'], window),
    _count: { _all: true },
  });
  const providers = new Map<string, { attempts: number; connected: number }>();
  for (const group of groups) {
    const provider = group.provider ?? 'none';
    const entry = providers.get(provider) ?? { attempts: 0, connected: 0 };
    if (group.name === 'integration_connect_clicked') entry.attempts += group._count._all;
    else entry.connected += group._count._all;
    providers.set(provider, entry);
  }
  return [...providers]
    .map(([provider, { attempts, connected }]) => ({
      provider,
      attempts,
      connected,
      conversionRate: percentage(connected, attempts),
    }))
    .sort((left, right) => right.attempts - left.attempts || byText(left.provider, right.provider));
}

/** The seed's second query: failed OAuth flows per provider and error type. */
export async function oauthFailures(db: Db, tenantId: string, window: TimeWindow) {
  const groups = await db.analyticsEvent.groupBy({
    by: ['provider', 'errorType'],
    where: inWindow(tenantId, ['integration_oauth_failed'], window),
    _count: { _all: true },
  });
  return groups
    .map((group) => ({
      provider: group.provider ?? 'none',
      errorType: group.errorType ?? 'unknown',
      failures: group._count._all,
    }))
    .sort(
      (left, right) =>
        right.failures - left.failures ||
        byText(left.provider, right.provider) ||
        byText(left.errorType, right.errorType),
    );
}

/** The seed's third query: tool use in chats per service and action. */
export async function toolsInChat(db: Db, tenantId: string, window: TimeWindow) {
  // One group per chat and outcome: counting distinct chats needs the chats, and their
  // number is bounded by the conversations, not by the events.
  const groups = await db.analyticsEvent.groupBy({
    by: ['service', 'actionType', 'chatId', 'success'],
    where: inWindow(tenantId, ['integration_used_in_chat'], window),
    _count: { _all: true },
  });
  const usage = new Map<string, { uses: number; successes: number; chats: Set<string> }>();
  for (const group of groups) {
    const key = `${group.service}\u0000${group.actionType}`;
    const entry = usage.get(key) ?? { uses: 0, successes: 0, chats: new Set<string>() };
    entry.uses += group._count._all;
    if (group.success) entry.successes += group._count._all;
    if (group.chatId) entry.chats.add(group.chatId);
    usage.set(key, entry);
  }
  return [...usage]
    .map(([key, entry]) => {
      const [service, actionType] = key.split('\u0000') as [string, string];
      return {
        service,
        actionType,
        usageCount: entry.uses,
        uniqueChats: entry.chats.size,
        successRate: percentage(entry.successes, entry.uses),
      };
    })
    .sort(
      (left, right) =>
        right.usageCount - left.usageCount ||
        byText(left.service, right.service) ||
        byText(left.actionType, right.actionType),
    );
}

const MESSAGE_COLUMNS = {
  message_received: 'inbound',
  message_sent: 'outbound',
  message_failed: 'failed',
} as const satisfies Partial<Record<EventName, string>>;

/** Messages per channel and UTC day: received, sent, and replies that failed for good. */
export async function messagesPerDay(db: Db, tenantId: string, window: TimeWindow) {
  const groups = await db.analyticsEvent.groupBy({
    by: ['day', 'channel', 'name'],
    where: inWindow(tenantId, Object.keys(MESSAGE_COLUMNS) as EventName[], window),
    _count: { _all: true },
  });
  const days = new Map<
    string,
    { day: string; channel: string; inbound: number; outbound: number; failed: number }
  >();
  for (const group of groups) {
    const channel = group.channel ?? 'unknown';
    const key = `${group.day}\u0000${channel}`;
    const entry = days.get(key) ?? { day: group.day, channel, inbound: 0, outbound: 0, failed: 0 };
    entry[MESSAGE_COLUMNS[group.name as keyof typeof MESSAGE_COLUMNS]] += group._count._all;
    days.set(key, entry);
  }
  return [...days.values()].sort(
    (left, right) => byText(left.day, right.day) || byText(left.channel, right.channel),
  );
}
