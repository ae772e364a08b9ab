import { z } from 'zod';

/*
 * The Twilio webhook parameters Switchboard reads, checked at the edge. Objects are loose:
 * Twilio adds parameters without notice, and a new one must never turn a real webhook into
 * a MALFORMED_PAYLOAD. A parameter sent twice arrives as an array and fails its check.
 */

/** Message SIDs are SM… (SMS) or MM… (MMS) followed by 32 hex digits. */
const messageSid = z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'is not a Twilio message SID');

const count = z.string().regex(/^\d{1,3}$/, 'is not a count');

/** An incoming SMS or MMS, posted to the number's (or Messaging Service's) webhook. */
export const inboundSchema = z.looseObject({
  MessageSid: messageSid,
  From: z.string().min(1, 'is empty'),
  To: z.string().optional(),
  Body: z.string().optional(),
  NumMedia: count.optional(),
  OptOutType: z.string().optional(),
});

/** A delivery report for a message we sent, posted to the StatusCallback we gave. */
export const statusSchema = z.looseObject({
  MessageSid: messageSid,
  MessageStatus: z.string().min(1, 'is empty'),
  ErrorCode: z.string().regex(/^\d+$/, 'is not a Twilio error code').optional(),
  To: z.string().optional(),
});

/** A validated incoming message webhook. */
export type TwilioInbound = z.infer<typeof inboundSchema>;
/** A validated status callback. */
export type TwilioStatusCallback = z.infer<typeof statusSchema>;
