import { jidOfPhone } from '../../channels/whatsapp-qr/jid.ts';
import type { Db } from '../../store/index.ts';

const CHANNEL = 'whatsapp_qr';

/**
 * The LID ↔ phone number pairs WhatsApp told one tenant's session, in memory for the parser
 * (which asks synchronously) and in the database across restarts.
 */
export interface LidMappings {
  phoneOf(lid: string): string | undefined;
  /**
   * Records that `lid` is `phone`. A person first seen only by LID becomes their number: the
   * identity and conversation keyed by the LID are re-keyed to the number (and join the contact
   * that number already has on another phone channel), so later messages by either address,
   * and their SMS, reach the same contact.
   */
  learn(lid: string, phone: string): Promise<void>;
}

export async function loadLidMappings(db: Db, tenantId: string): Promise<LidMappings> {
  const rows = await db.whatsappQrLidMapping.findMany({
    where: { tenantId },
    select: { lid: true, phone: true },
  });
  const known = new Map(rows.map((row) => [row.lid, row.phone]));
  return {
    phoneOf: (lid) => known.get(lid),
    async learn(lid, phone) {
      if (known.get(lid) === phone) return;
      await db.$transaction(async (tx) => {
        await tx.whatsappQrLidMapping.upsert({
          where: { tenantId_lid: { tenantId, lid } },
          create: { tenantId, lid, phone },
          update: { phone },
        });
        const byLid = await tx.channelIdentity.findUnique({
          where: { tenantId_channel_externalId: { tenantId, channel: CHANNEL, externalId: lid } },
          select: { id: true, contactId: true },
        });
        const byPhone = await tx.channelIdentity.findUnique({
          where: { tenantId_channel_externalId: { tenantId, channel: CHANNEL, externalId: phone } },
          select: { id: true },
        });
        if (byLid && !byPhone) {
          // The number may already be a contact (their SMS, their calls): the person joins it.
          const numbered = await tx.channelIdentity.findFirst({
            where: { tenantId, phone, NOT: { id: byLid.id } },
            orderBy: { createdAt: 'asc' },
            select: { contactId: true },
          });
          const contactId = numbered?.contactId ?? byLid.contactId;
          await tx.channelIdentity.update({
            where: { id: byLid.id },
            data: { externalId: phone, phone, contactId },
          });
          if (contactId !== byLid.contactId) {
            await tx.conversation.updateMany({
              where: { tenantId, contactId: byLid.contactId },
              data: { contactId },
            });
            const left = await tx.channelIdentity.count({ where: { contactId: byLid.contactId } });
            if (left === 0) await tx.contact.delete({ where: { id: byLid.contactId } });
          }
          const taken = await tx.conversation.count({
            where: { tenantId, channel: CHANNEL, externalChatId: jidOfPhone(phone) },
          });
          if (taken === 0) {
            await tx.conversation.updateMany({
              where: { tenantId, channel: CHANNEL, externalChatId: lid },
              data: { externalChatId: jidOfPhone(phone) },
            });
          }
        }
      });
      known.set(lid, phone);
    },
  };
}
