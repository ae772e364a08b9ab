import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** Channels whose sender ids are phone numbers: one number in a tenant is one contact across them. */
export const PHONE_CHANNELS: ReadonlySet<string> = new Set(['sms', 'whatsapp', 'voice', 'whatsapp_qr']);

/** WhatsApp's user domains that carry a phone number; a LID (`…@lid`) does not. */
const PHONE_JID = /@(s\.whatsapp\.net|c\.us)$/;

/**
 * The E.164 form of a phone number as the providers write it: `+4915123456789` (Twilio),
 * `4915123456789` (WhatsApp Cloud API) or `4915123456789:3@s.whatsapp.net` (a Baileys JID with
 * its device). Null for what is not a number: a short code, an alphanumeric sender, an
 * anonymous or SIP caller, a WhatsApp LID.
 */
export function normalizePhone(address: string): string | null {
  if (address.includes('@') && !PHONE_JID.test(address)) return null;
  const user = address.split('@')[0]!.split(':')[0]!;
  const candidate = user.startsWith('+') ? user : `+${user}`;
  if (!/^\+\d{7,15}$/.test(candidate)) return null;
  const parsed = parsePhoneNumberFromString(candidate);
  return parsed?.isPossible() ? parsed.number : null;
}

/** The number behind a sender id on a phone channel, or null on other channels. */
export function phoneOf(channel: string, externalId: string): string | null {
  return PHONE_CHANNELS.has(channel) ? normalizePhone(externalId) : null;
}
