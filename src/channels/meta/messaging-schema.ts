import { z } from 'zod';
import { LATEST_TIME_MS } from './webhook.ts';

/*
 * The parts of a Messenger Platform webhook (`entry[].messaging[]`, used by Messenger and
 * Instagram alike) that Switchboard reads. Objects are loose, so fields Meta adds never
 * make a real delivery malformed; each level is its own schema so a batch is checked item
 * by item.
 */

/** Unix milliseconds, as the Messenger Platform sends them. */
const unixMilliseconds = z.number().int().nonnegative().max(LATEST_TIME_MS, 'is after the year 9999');

const participantSchema = z.looseObject({ id: z.string().min(1) });

export const messagingEntrySchema = z.looseObject({
  id: z.string().min(1),
  messaging: z.array(z.unknown()).optional(),
});

const attachmentSchema = z.looseObject({
  type: z.string(),
  payload: z
    .looseObject({
      url: z.string().optional(),
      title: z.string().optional(),
      coordinates: z.looseObject({ lat: z.number(), long: z.number() }).optional(),
    })
    .nullable()
    .optional(),
});

export const messagingEventSchema = z.looseObject({
  sender: participantSchema,
  recipient: participantSchema,
  timestamp: unixMilliseconds,
  message: z
    .looseObject({
      mid: z.string().min(1),
      text: z.string().optional(),
      is_echo: z.boolean().optional(),
      is_deleted: z.boolean().optional(),
      is_unsupported: z.boolean().optional(),
      quick_reply: z.looseObject({ payload: z.string() }).optional(),
      attachments: z.array(attachmentSchema).optional(),
    })
    .optional(),
  postback: z
    .looseObject({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional() })
    .optional(),
  message_edit: z.looseObject({ mid: z.string().min(1), text: z.string().optional() }).optional(),
  delivery: z.looseObject({ mids: z.array(z.string()).optional() }).optional(),
  read: z.looseObject({ mid: z.string().optional() }).optional(),
});

/** One validated item of `entry[].messaging[]`. */
export type MessagingEvent = z.infer<typeof messagingEventSchema>;
/** A validated `message` of a messaging item. */
export type MessagingMessage = NonNullable<MessagingEvent['message']>;
/** A validated attachment of a message. */
export type MessagingAttachment = z.infer<typeof attachmentSchema>;
