import { z } from 'zod';

/*
 * The parts of Postmark's inbound webhook that Switchboard reads, checked at the edge.
 * Objects are loose: Postmark adds fields, and a new field must never turn a real email into
 * a MALFORMED_PAYLOAD. Text fields may be empty, and some senders' mail leaves them null.
 */

const optionalText = z.string().nullish();

const addressSchema = z.looseObject({
  Email: z.string(),
  Name: optionalText,
  MailboxHash: optionalText,
});

const headerSchema = z.looseObject({ Name: z.string(), Value: z.string() });

/**
 * One attachment. Checked on its own (see `attachmentSchema.safeParse` in content.ts): a
 * broken attachment is left out instead of failing the whole email.
 */
export const attachmentSchema = z.looseObject({
  Name: z.string(),
  Content: optionalText,
  ContentType: optionalText,
  ContentLength: z.number().int().nonnegative().nullish(),
  ContentID: optionalText,
});

/** One inbound email, as Postmark posts it to the inbound webhook. */
export const inboundEmailSchema = z.looseObject({
  MessageID: z.string().min(1),
  From: optionalText,
  FromName: optionalText,
  FromFull: addressSchema.nullish(),
  To: optionalText,
  Subject: optionalText,
  Date: optionalText,
  TextBody: optionalText,
  HtmlBody: optionalText,
  StrippedTextReply: optionalText,
  Headers: z.array(headerSchema).nullish(),
  Attachments: z.array(z.unknown()).nullish(),
});

/** A validated inbound email. */
export type InboundEmail = z.infer<typeof inboundEmailSchema>;
/** A validated attachment. */
export type InboundAttachment = z.infer<typeof attachmentSchema>;
/** One `{Name, Value}` header line. */
export type EmailHeader = z.infer<typeof headerSchema>;
