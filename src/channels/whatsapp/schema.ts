import { z } from 'zod';

/*
 * The parts of a WhatsApp Cloud API webhook that Switchboard reads, checked at the edge.
 * Objects are loose: Meta adds fields often, and a new field must never turn a real
 * delivery into MALFORMED_PAYLOAD. Each level is its own schema so parse can check a batch
 * item by item and skip only what is bad.
 */

/** Unix seconds, which Meta sends as a string; up to 9999-12-31, the last valid date. */
const unixSeconds = z
  .union([z.string().regex(/^\d{1,12}$/, 'must be Unix seconds'), z.number().int().nonnegative()])
  .transform(Number)
  .pipe(z.number().max(253_402_300_799, 'is after the year 9999'));

export const entrySchema = z.looseObject({ id: z.string().optional(), changes: z.array(z.unknown()) });

export const changeSchema = z.looseObject({ field: z.string(), value: z.unknown() });

/** A `messages` change: new messages with their senders' profiles, or statuses of ours. */
export const valueSchema = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string(), display_phone_number: z.string().optional() }),
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

export const profileSchema = z.looseObject({
  wa_id: z.string(),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
});

const mediaSchema = z.looseObject({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
});

const sharedContactSchema = z.looseObject({
  name: z
    .looseObject({
      formatted_name: z.string().optional(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
    })
    .optional(),
  phones: z.array(z.looseObject({ phone: z.string().optional(), wa_id: z.string().optional() })).optional(),
});

const replySchema = z.looseObject({ id: z.string(), title: z.string().optional() });

/** The payload key each type must carry; types not listed (unsupported, order, system, …) need none. */
const REQUIRED_PAYLOAD: Record<string, string> = {
  text: 'text',
  image: 'image',
  audio: 'audio',
  video: 'video',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  contacts: 'contacts',
  interactive: 'interactive',
  button: 'button',
  reaction: 'reaction',
};

export const messageSchema = z
  .looseObject({
    from: z.string().min(1),
    id: z.string().min(1),
    timestamp: unixSeconds,
    type: z.string(),
    text: z.looseObject({ body: z.string() }).optional(),
    image: mediaSchema.optional(),
    audio: mediaSchema.optional(),
    video: mediaSchema.optional(),
    document: mediaSchema.optional(),
    sticker: mediaSchema.optional(),
    location: z
      .looseObject({
        latitude: z.number(),
        longitude: z.number(),
        name: z.string().optional(),
        address: z.string().optional(),
      })
      .optional(),
    contacts: z.array(sharedContactSchema).optional(),
    interactive: z
      .looseObject({
        type: z.string(),
        button_reply: replySchema.optional(),
        list_reply: replySchema.optional(),
        nfm_reply: z
          .looseObject({
            response_json: z.string().optional(),
            body: z.string().optional(),
            name: z.string().optional(),
          })
          .optional(),
      })
      .optional(),
    button: z.looseObject({ payload: z.string().optional(), text: z.string().optional() }).optional(),
    reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  })
  .superRefine((message, context) => {
    const key = REQUIRED_PAYLOAD[message.type];
    if (key !== undefined && (message as Record<string, unknown>)[key] === undefined) {
      context.addIssue({ code: 'custom', path: [key], message: `a ${message.type} message needs "${key}"` });
    }
  });

export const statusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  errors: z
    .array(
      z.looseObject({
        code: z.number().optional(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.looseObject({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});

/** A validated inbound message of any type. */
export type WhatsAppMessage = z.infer<typeof messageSchema>;
/** A validated `messages` change value. */
export type WhatsAppChangeValue = z.infer<typeof valueSchema>;
/** A validated delivery status of a message we sent. */
export type WhatsAppStatus = z.infer<typeof statusSchema>;
