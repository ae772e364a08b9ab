import type { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { InboundEvent } from '../../normalizer/types.ts';
import { readJsonObject } from '../json-body.ts';
import type { WebhookRequest } from '../types.ts';

/**
 * Meta batches many events into one body, and media messages carry long URLs; WhatsApp asks
 * receivers to take at least 3 MB.
 */
export const META_WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;

/** Problems quoted in a MALFORMED_PAYLOAD message; more would bury the first one. */
const MAX_REPORTED_PROBLEMS = 3;

/** Unix milliseconds up to 9999-12-31: later values are not valid dates in JavaScript or the database. */
export const LATEST_TIME_MS = 253_402_300_799_999;

/**
 * Reads the envelope every Meta webhook shares, `{object, entry: [...]}`, and returns the
 * entries unchecked (each is read on its own, so one bad entry does not lose the others).
 * Throws AppError('MALFORMED_PAYLOAD') when the body is not such an envelope for `object`.
 */
export function readMetaEntries(rawBody: Buffer, object: string, channelName: string): unknown[] {
  const body = readJsonObject(rawBody, `${channelName} sends {object, entry}`);
  const envelope = body as { object?: unknown; entry?: unknown };
  if (envelope.object !== object) {
    throw new AppError(
      'MALFORMED_PAYLOAD',
      `object is ${JSON.stringify(envelope.object) ?? 'missing'}; ${channelName} webhooks carry "${object}"`,
    );
  }
  if (!Array.isArray(envelope.entry))
    throw new AppError('MALFORMED_PAYLOAD', 'entry is missing or not an array');
  return envelope.entry;
}

/**
 * Reads the items of one batch one at a time: an item that does not match its schema is
 * skipped and its problem remembered, so a bad event never loses the good ones beside it.
 */
export interface BatchReader {
  /** `value` checked against `schema`, or undefined (and the problem noted under `where`). */
  read<Schema extends z.ZodType>(schema: Schema, value: unknown, where: string): z.infer<Schema> | undefined;
  /**
   * The batch's events. Throws AppError('MALFORMED_PAYLOAD') naming the problems when some
   * items were bad and nothing could be taken from the body, so junk is answered 400.
   */
  finish(events: InboundEvent[]): InboundEvent[];
}

export function createBatchReader(channelName: string, onSkipped?: WebhookRequest['onSkipped']): BatchReader {
  const problems: string[] = [];
  return {
    read(schema, value, where) {
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      const [issue] = result.error.issues;
      const path = issue?.path.length ? `.${issue.path.map(String).join('.')}` : '';
      problems.push(`${where}${path}: ${issue?.message ?? 'invalid'}`);
      return undefined;
    },
    finish(events) {
      if (problems.length === 0) return events;
      if (events.length > 0) {
        onSkipped?.(problems);
        return events;
      }
      const quoted = problems.slice(0, MAX_REPORTED_PROBLEMS).join('; ');
      const more =
        problems.length > MAX_REPORTED_PROBLEMS
          ? ` (and ${problems.length - MAX_REPORTED_PROBLEMS} more)`
          : '';
      throw new AppError('MALFORMED_PAYLOAD', `no usable ${channelName} event in the body: ${quoted}${more}`);
    },
  };
}
