import { z } from 'zod';

/*
 * The parts of a Telegram `Update` that Switchboard reads, checked at the edge. Objects are
 * loose: Telegram adds fields often, and a new field must never turn a real update into a
 * MALFORMED_PAYLOAD. Only fields we read are declared, with the types the Bot API documents.
 */

/** Unix seconds up to 9999-12-31: later values are not valid dates in JavaScript or the database. */
const unixTime = z.number().int().min(0).max(253_402_300_799);

const userSchema = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

const chatSchema = z.looseObject({
  id: z.number().int(),
  type: z.string(),
});

const entitySchema = z.looseObject({
  type: z.string(),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
  user: userSchema.optional(),
});

/** Fields every downloadable file carries; the others are per type. */
const fileFields = {
  file_id: z.string(),
  file_unique_id: z.string().optional(),
  file_size: z.number().int().optional(),
};

const photoSizeSchema = z.looseObject({ ...fileFields, width: z.number().int(), height: z.number().int() });

const fileSchema = z.looseObject({
  ...fileFields,
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
});

const stickerSchema = z.looseObject({
  ...fileFields,
  is_animated: z.boolean().optional(),
  is_video: z.boolean().optional(),
});

const locationSchema = z.looseObject({ latitude: z.number(), longitude: z.number() });

const messageSchema = z.looseObject({
  message_id: z.number().int(),
  from: userSchema.optional(),
  chat: chatSchema,
  date: unixTime,
  edit_date: unixTime.optional(),
  text: z.string().optional(),
  entities: z.array(entitySchema).optional(),
  caption: z.string().optional(),
  caption_entities: z.array(entitySchema).optional(),
  photo: z.array(photoSizeSchema).optional(),
  document: fileSchema.optional(),
  voice: fileSchema.optional(),
  audio: fileSchema.optional(),
  video: fileSchema.optional(),
  video_note: fileSchema.optional(),
  sticker: stickerSchema.optional(),
  location: locationSchema.optional(),
  venue: z.looseObject({ title: z.string().optional() }).optional(),
  contact: z
    .looseObject({
      phone_number: z.string().optional(),
      first_name: z.string(),
      last_name: z.string().optional(),
    })
    .optional(),
  // Only the author matters here: it tells whether a group reply answers the bot.
  reply_to_message: z.looseObject({ from: userSchema.optional() }).optional(),
});

const inlineButtonSchema = z.looseObject({ text: z.string(), callback_data: z.string().optional() });

const callbackQuerySchema = z.looseObject({
  id: z.string(),
  from: userSchema,
  // Absent when the button was on an inline-mode message; `chat` is absent on such messages too.
  message: z
    .looseObject({
      chat: chatSchema.optional(),
      reply_markup: z.looseObject({ inline_keyboard: z.array(z.array(inlineButtonSchema)) }).optional(),
    })
    .optional(),
  data: z.string().optional(),
});

const chatMemberUpdatedSchema = z.looseObject({
  chat: chatSchema,
  from: userSchema,
  date: unixTime,
  new_chat_member: z.looseObject({ status: z.string() }),
});

/** One webhook body: an `Update` with at most one of the payloads below (or one we ignore). */
export const updateSchema = z.looseObject({
  update_id: z.number().int(),
  message: messageSchema.optional(),
  edited_message: messageSchema.optional(),
  callback_query: callbackQuerySchema.optional(),
  my_chat_member: chatMemberUpdatedSchema.optional(),
});

/** A validated `Update`. */
export type TelegramUpdate = z.infer<typeof updateSchema>;
/** A validated `Message` (also the shape of an edited message). */
export type TelegramMessage = z.infer<typeof messageSchema>;
/** A validated `User`: a message's author, a button presser, a blocker. */
export type TelegramUser = z.infer<typeof userSchema>;
/** A `MessageEntity`: a command, mention, link, … marked inside a text or caption. */
export type TelegramEntity = z.infer<typeof entitySchema>;
/** A validated `CallbackQuery`: a press of an inline keyboard button. */
export type TelegramCallbackQuery = z.infer<typeof callbackQuerySchema>;
