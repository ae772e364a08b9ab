import type { ToolCaller } from '../integrations/types.ts';
import type { Db } from '../store/index.ts';
import { sqlOf } from '../store/sql.ts';

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
  // A driver statement (channel_identities_tenantId_contactId_idx): the respond job asks once per reply.
  const identities = await sqlOf(db).all<{ channel: string; externalId: string }>(
    'SELECT "channel", "externalId" FROM "channel_identities" WHERE "tenantId" = ? AND "contactId" = ?',
    [tenantId, contactId],
  );
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
