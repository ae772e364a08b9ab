// What the collector accepts on the wire. `/analytics/track/view` and `/track/engagement` take
// the bodies of the seed's backend client; `/analytics/track` and `/analytics/batch` take
// catalog events as the seed's dashboard code writes them, `{ event, properties }`. Every
// route also takes an optional `timestamp` (ISO 8601), so that forwarded events keep their time.
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { type CatalogEvent, eventCatalog, eventNames } from './catalog.ts';
import { businessEventType, contentType, deviceType, metricType, targetType } from './events/client.ts';
import { amount, appName, contentReference } from './events/fields.ts';

/** The most events one `/analytics/batch` request may carry. */
export const MAX_BATCH_EVENTS = 500;

/** How far ahead of our clock a client's timestamp may be (clock skew), in milliseconds. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const EARLIEST = Date.parse('2000-01-01T00:00:00Z');

/** A catalog event read from a request, with the time the client gave, if any. */
export interface ReceivedEvent {
  event: CatalogEvent;
  occurredAt: Date | undefined;
  /** Metadata keys the client sent that the privacy rules keep out of storage (counted, not stored). */
  droppedKeys?: number;
}

/**
 * A client's app name as the catalog stores it: lower-case, runs of other characters as one
 * `-` (`Momentum` → `momentum`, `My App` → `my-app`). The seed's client sends what its
 * operator configured; refusing a capital letter would silently lose its events.
 */
export function normalizeAppName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/**
 * Accepted for compatibility with the seed's client and dropped before anything is stored:
 * user and session ids and IP addresses are personal data the dashboard does not need.
 */
const discarded = z.string().max(256).optional();

/** The request schemas, reading "now" from `clock` to refuse timestamps from the future. */
export function collectorSchemas(clock: Clock) {
  const timestamp = z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' })
    .refine((value) => {
      const time = Date.parse(value);
      return time >= EARLIEST && time <= clock.now() + MAX_CLOCK_SKEW_MS;
    }, 'must lie between 2000 and now')
    .transform((value) => new Date(value))
    .optional();

  const view = z
    .strictObject({
      app: z.string().max(200).transform(normalizeAppName).pipe(appName),
      contentId: contentReference,
      contentType,
      deviceType: deviceType.default('other'),
      duration: amount.optional(),
      userId: discarded,
      sessionId: discarded,
      ipAddress: discarded,
      timestamp,
    })
    .transform(
      (body): ReceivedEvent => ({
        event: {
          event: 'content_viewed',
          properties: {
            app: body.app,
            content_id: body.contentId,
            content_type: body.contentType,
            device_type: body.deviceType,
            ...(body.duration === undefined ? {} : { duration: body.duration }),
          },
        },
        occurredAt: body.timestamp,
      }),
    );

  const engagement = z
    .strictObject({
      metricType,
      targetId: contentReference,
      targetType,
      // The client's metadata is an open map (amounts, currencies, ids). Only its business
      // event type is a known property; every other key is dropped before storage, because
      // free-form values are where content and personal data would slip in, and counted.
      metadata: z.record(z.string(), z.unknown()).optional(),
      userId: discarded,
      timestamp,
    })
    .transform((body, context): ReceivedEvent => {
      const { businessEventType: given, ...others } = body.metadata ?? {};
      const known = given === undefined ? undefined : businessEventType.safeParse(given);
      if (known && !known.success) {
        context.addIssue({
          code: 'custom',
          message: `must be one of ${businessEventType.options.join(', ')}`,
          path: ['metadata', 'businessEventType'],
        });
        return z.NEVER;
      }
      return {
        event: {
          event: 'engagement_recorded',
          properties: {
            metric_type: body.metricType,
            target_id: body.targetId,
            target_type: body.targetType,
            ...(known?.success ? { business_event_type: known.data } : {}),
          },
        },
        occurredAt: body.timestamp,
        droppedKeys: Object.keys(others).length,
      };
    });

  const track = z
    .strictObject({
      event: z.enum(eventNames, { error: 'must be an event of the catalog (see the README)' }),
      properties: z.record(z.string(), z.unknown()),
      timestamp,
    })
    .transform((body, context): ReceivedEvent => {
      const result = eventCatalog[body.event].safeParse(body.properties);
      if (!result.success) {
        for (const issue of result.error.issues)
          context.addIssue({ code: 'custom', message: issue.message, path: ['properties', ...issue.path] });
        return z.NEVER;
      }
      return {
        event: { event: body.event, properties: result.data } as CatalogEvent,
        occurredAt: body.timestamp,
      };
    });

  const batch = z.strictObject({ events: z.array(track).min(1).max(MAX_BATCH_EVENTS) });

  return { view, engagement, track, batch };
}
