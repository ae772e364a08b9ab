import type { DbTransaction } from '../store/index.ts';
import { insertRows } from '../store/insert-rows.ts';
import { newRowId } from '../store/row-ids.ts';
import type { SqlSession } from '../store/sql.ts';
import type { CatalogEvent, EventName, EventSource } from './catalog.ts';

/** One row of `analytics_events`, as written. */
export type EventRow = {
  id: string;
  tenantId: string;
  name: EventName;
  source: EventSource;
  properties: string;
  occurredAt: Date;
  day: string;
  provider: string | null;
  service: string | null;
  channel: string | null;
  actionType: string | null;
  errorType: string | null;
  chatId: string | null;
  success: boolean | null;
  createdAt: Date;
};

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * The row for an event that passed the catalog. The grouping columns are copied from the
 * properties of whichever events have them; the day is the UTC date, computed here once so
 * that both databases bucket alike.
 */
export function eventRow(
  event: CatalogEvent,
  context: { tenantId: string; source: EventSource; occurredAt: Date; createdAt: Date },
): EventRow {
  const properties: Record<string, unknown> = event.properties;
  return {
    id: newRowId(),
    tenantId: context.tenantId,
    name: event.event,
    source: context.source,
    properties: JSON.stringify(properties),
    occurredAt: context.occurredAt,
    day: context.occurredAt.toISOString().slice(0, 10),
    provider: text(properties.provider),
    service: text(properties.service),
    channel: text(properties.channel),
    actionType: text(properties.action_type),
    errorType: text(properties.error_type),
    chatId: text(properties.chat_id),
    success: typeof properties.success === 'boolean' ? properties.success : null,
    createdAt: context.createdAt,
  };
}

/**
 * Writes rows with the caller's transaction as multi-row INSERTs: Prisma's createMany would
 * compile a new query plan for every batch, which costs more than the write itself. In a
 * driver transaction (`sql.ts`: the deliver job's record of a send) they go on the driver.
 */
export async function insertEventRows(tx: DbTransaction | SqlSession, rows: EventRow[]): Promise<void> {
  await insertRows(tx, 'analytics_events', rows);
}
