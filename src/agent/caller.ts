import type { ToolCaller } from '../integrations/types.ts';
import type { Db } from '../store/index.ts';

/** Channels whose identity is a phone number (WhatsApp sends it without the plus). */
const PHONE_CHANNELS = new Set(['sms', 'whatsapp', 'voice']);

/**
 * The customer a conversation is with, as tools see them: the contact and the email and
 * phone identities the normalizer stored for it. `verified` is false when the message being
 * answered failed sender authentication; the tools then hand out none of "their" data.
 */
export async function customerCaller(
  db: Db,
  tenantId: string,
  contactId: string,
  verified: boolean,
): Promise<ToolCaller> {
  const identities = await db.channelIdentity.findMany({
    where: { tenantId, contactId },
    select: { channel: true, externalId: true },
  });
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const identity of identities) {
    if (identity.channel === 'email') emails.add(identity.externalId.trim().toLowerCase());
    if (PHONE_CHANNELS.has(identity.channel)) {
      const digits = identity.externalId.replace(/[^\d]/g, '');
      if (digits.length > 0) phones.add(`+${digits}`);
    }
  }
  return { kind: 'customer', contactId, emails: [...emails], phones: [...phones], verified };
}
