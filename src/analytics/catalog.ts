import type { z } from 'zod';
import { clientEvents } from './events/client.ts';
import { integrationEvents } from './events/integration.ts';
import { messageEvents } from './events/message.ts';

export type {
  IntegrationProvider,
  IntegrationService,
  IntegrationStatus,
} from './events/integration.ts';

/**
 * Every event Switchboard records, by name, as a strict zod schema of its properties: an
 * unknown property is an error, and no property holds free text.
 */
export const eventCatalog = { ...integrationEvents, ...messageEvents, ...clientEvents };

export type EventName = keyof typeof eventCatalog;
export const eventNames = Object.keys(eventCatalog) as [EventName, ...EventName[]];

export type EventProperties<Name extends EventName> = z.infer<(typeof eventCatalog)[Name]>;

/** An event as the seed writes it: `{ event, properties }`, properties typed by the name. */
export type CatalogEvent = {
  [Name in EventName]: { event: Name; properties: EventProperties<Name> };
}[EventName];

/** The seed's integration events, one type each under the seed's names. */
export type IntegrationEvents = Extract<CatalogEvent, { event: `integration_${string}` }>;
export type IntegrationViewedEvent = Extract<CatalogEvent, { event: 'integration_viewed' }>;
export type IntegrationConnectClickedEvent = Extract<CatalogEvent, { event: 'integration_connect_clicked' }>;
export type IntegrationOAuthStartedEvent = Extract<CatalogEvent, { event: 'integration_oauth_started' }>;
export type IntegrationOAuthCompletedEvent = Extract<CatalogEvent, { event: 'integration_oauth_completed' }>;
export type IntegrationOAuthFailedEvent = Extract<CatalogEvent, { event: 'integration_oauth_failed' }>;
export type IntegrationDisconnectedEvent = Extract<CatalogEvent, { event: 'integration_disconnected' }>;
export type IntegrationReconnectedEvent = Extract<CatalogEvent, { event: 'integration_reconnected' }>;
export type IntegrationDataFetchedEvent = Extract<CatalogEvent, { event: 'integration_data_fetched' }>;
export type IntegrationUsedInChatEvent = Extract<CatalogEvent, { event: 'integration_used_in_chat' }>;
export type IntegrationErrorEvent = Extract<CatalogEvent, { event: 'integration_error' }>;
export type MessageEvents = Extract<CatalogEvent, { event: `message_${string}` }>;

/** Where an event entered: the gateway's own code, or the HTTP collector (a write key). */
export type EventSource = 'gateway' | 'collector';

/** An event on its way to the table, with the tenant it belongs to, its time and its source. */
export type TrackedEvent = CatalogEvent & {
  tenantId: string;
  /** When it happened; the tracker's clock when left out. */
  occurredAt?: Date;
  /** Default `gateway`. */
  source?: EventSource;
};

/** The outcome of checking an event against the catalog; problems name paths, never values. */
export type EventCheck = { ok: true; event: CatalogEvent } | { ok: false; problems: string[] };

/** Validates an event's name and properties against the catalog. */
export function checkEvent(input: { event: string; properties: unknown }): EventCheck {
  // hasOwn: "toString" and the like are no events, though every object has them.
  if (!Object.hasOwn(eventCatalog, input.event))
    return { ok: false, problems: ['event: not in the catalog'] };
  const schema: z.ZodType = eventCatalog[input.event as EventName];
  const result = schema.safeParse(input.properties);
  if (result.success)
    return { ok: true, event: { event: input.event, properties: result.data } as CatalogEvent };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => `${['properties', ...issue.path].join('.')}: ${issue.code}`),
  };
}
