// Baileys' JID helpers from their own small module, not its entry point (which loads everything).
import {
  isJidGroup,
  isLidUser,
  isPnUser,
  jidDecode,
} from '@whiskeysockets/baileys/lib/WABinary/jid-utils.js';

/**
 * WhatsApp addresses one person two ways: by phone number (`<digits>@s.whatsapp.net`) and by
 * a LID (`<digits>@lid`), a private id WhatsApp uses where it hides numbers. Baileys 7 hands
 * us both when it knows them. Switchboard keys a person by their E.164 number whenever one
 * is known, so one person is one contact, the same one their SMS and calls reach.
 */

/** `+<digits>` for a phone-number JID (device suffix dropped); undefined for anything else. */
export function phoneOfJid(jid: string | null | undefined): string | undefined {
  if (!jid || !isPnUser(jid)) return undefined;
  const user = jidDecode(jid)?.user;
  return user && /^\d{6,15}$/.test(user) ? `+${user}` : undefined;
}

/** The bare LID (`<digits>@lid`, device dropped) of a LID JID; undefined for anything else. */
export function lidOfJid(jid: string | null | undefined): string | undefined {
  if (!jid || !isLidUser(jid)) return undefined;
  const user = jidDecode(jid)?.user;
  return user ? `${user}@lid` : undefined;
}

/** The JID replies to a phone number go to. */
export function jidOfPhone(phone: string): string {
  return `${phone.replace(/^\+/, '')}@s.whatsapp.net`;
}

export function isGroupJid(jid: string | null | undefined): boolean {
  return Boolean(jid && isJidGroup(jid));
}

/** One person as a message names them: their number when known, their LID when known. */
export interface PersonAddress {
  phone?: string;
  lid?: string;
}

/** Reads a person's number and LID from a JID and its alternative (`remoteJidAlt`, `participantAlt`). */
export function addressOf(...jids: Array<string | null | undefined>): PersonAddress {
  let phone: string | undefined;
  let lid: string | undefined;
  for (const jid of jids) {
    phone ??= phoneOfJid(jid);
    lid ??= lidOfJid(jid);
  }
  return { ...(phone ? { phone } : {}), ...(lid ? { lid } : {}) };
}

/**
 * The id Switchboard keys a person by: the E.164 number when known, else the LID. Replies go
 * to the matching JID.
 */
export function personKey(address: PersonAddress): { externalId: string; chatId: string } | undefined {
  if (address.phone) return { externalId: address.phone, chatId: jidOfPhone(address.phone) };
  if (address.lid) return { externalId: address.lid, chatId: address.lid };
  return undefined;
}
