/**
 * Helpers for the agent suites: a tenant with a conversation in a real database, a real
 * tracker, and a small tool integration defined here (the mail and calendar ones live in
 * src/integrations and have their own suites against real servers).
 */
import { z } from 'zod';
import { createTracker, type Tracker } from '../../src/analytics/tracker.ts';
import { systemClock } from '../../src/core/clock.ts';
import { type Tool, ToolError, type ToolErrorType } from '../../src/integrations/types.ts';
import type { Db } from '../../src/store/index.ts';

export const silentLogger = { warn() {} };

/** A tenant with a Telegram contact and an open conversation. */
export async function seedConversation(db: Db, slug = 'bakery') {
  const tenant = await db.tenant.create({ data: { slug, name: 'Bäckerei Schmidt' } });
  const contact = await db.contact.create({ data: { tenantId: tenant.id, displayName: 'Ada Lovelace' } });
  const conversation = await db.conversation.create({
    data: { tenantId: tenant.id, contactId: contact.id, channel: 'telegram', externalChatId: `chat-${slug}` },
  });
  return { tenantId: tenant.id, conversationId: conversation.id };
}

export function testTracker(db: Db): Tracker {
  return createTracker({ db, clock: systemClock, logger: silentLogger, flushMs: 10 });
}

/** What the scripted inbox tool does on its next calls, in order. */
export type InboxBehaviour =
  | { kind: 'messages'; count: number }
  | { kind: 'fail'; errorType: ToolErrorType; httpStatus?: number }
  | { kind: 'throw'; error: Error }
  | { kind: 'hang' };

/**
 * `read_emails` of a pretend mailbox integration (connector `mailbox`): answers with
 * numbered messages whose subjects carry a secret marker, so tests can prove the marker
 * never reaches analytics or the transcript.
 */
export function inboxTool(
  behaviours: InboxBehaviour[],
  connectorId = 'mailbox',
  audience: Tool['audience'] = 'staff',
): Tool<{ limit: number }> & {
  inputs: unknown[];
} {
  const inputs: unknown[] = [];
  return {
    inputs,
    name: 'read_emails',
    description: 'Reads the latest emails of the business inbox.',
    connectorId,
    provider: 'none',
    service: 'imap_mail',
    actionType: 'read_emails',
    audience,
    reads: ['mail'],
    sideEffect: false,
    dataType: 'emails',
    inputSchema: z.strictObject({ limit: z.int().min(1).max(20) }),
    async run(input, context) {
      inputs.push(input);
      const behaviour = behaviours.shift() ?? { kind: 'messages', count: 1 };
      if (behaviour.kind === 'fail')
        throw new ToolError(behaviour.errorType, 'scripted', behaviour.httpStatus ?? null);
      if (behaviour.kind === 'throw') throw behaviour.error;
      if (behaviour.kind === 'hang') {
        await new Promise((_, reject) =>
          context.signal.addEventListener('abort', () => reject(context.signal.reason)),
        );
      }
      const count = behaviour.kind === 'messages' ? Math.min(behaviour.count, input.limit) : 0;
      const lines = Array.from({ length: count }, (_, index) => `${index + 1}. SECRET-SUBJECT-${index + 1}`);
      return { content: lines.join('\n'), itemsProcessed: count };
    },
  };
}

/**
 * The stored analytics events of a tenant, properties parsed, oldest first. Events written
 * together share a timestamp and have random ids, so ties are broken by name (descending:
 * `integration_used_in_chat` before the `integration_data_fetched`/`_error` beside it).
 */
export async function eventsOf(db: Db, tenantId: string) {
  const rows = await db.analyticsEvent.findMany({
    where: { tenantId },
    orderBy: [{ occurredAt: 'asc' }, { name: 'desc' }],
  });
  return rows.map((row) => ({
    name: row.name,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
  }));
}

/** The tool-call rows of a conversation's transcript. */
export async function toolCallRows(db: Db, conversationId: string) {
  return db.message.findMany({
    where: { conversationId, kind: 'tool_call' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/** `read_calendar` and `create_event` of a pretend calendar (connector `calendar`), in memory. */
export function calendarTools(connectorId = 'calendar') {
  const events: Array<{ title: string; start: string; end: string }> = [];
  const reads: Array<{ from: string; to: string }> = [];
  const range = z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() });
  const event = z.strictObject({ title: z.string().min(1), start: z.iso.datetime(), end: z.iso.datetime() });
  const readCalendar: Tool<z.infer<typeof range>> = {
    name: 'read_calendar',
    description: 'Reads the appointments between two date-times.',
    connectorId,
    provider: 'none',
    service: 'caldav',
    actionType: 'read_calendar',
    audience: 'staff',
    reads: ['calendar'],
    sideEffect: false,
    dataType: 'calendar_events',
    inputSchema: range,
    async run(input) {
      reads.push(input);
      const found = events.filter((entry) => entry.start >= input.from && entry.start < input.to);
      return {
        content: found.map((entry) => `${entry.start} ${entry.title}`).join('\n'),
        itemsProcessed: found.length,
      };
    },
  };
  const createEvent: Tool<z.infer<typeof event>> = {
    name: 'create_event',
    description: 'Creates an appointment.',
    connectorId,
    provider: 'none',
    service: 'caldav',
    actionType: 'create_event',
    audience: 'staff',
    reads: ['calendar'],
    sideEffect: true,
    inputSchema: event,
    async run(input) {
      events.push(input);
      return { content: 'created', itemsProcessed: 1 };
    },
  };
  return { events, reads, tools: [readCalendar, createEvent] as Tool[] };
}
