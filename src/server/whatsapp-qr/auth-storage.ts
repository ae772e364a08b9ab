import type { AuthStateStorage } from '../../channels/whatsapp-qr/auth-state.ts';
import type { KeyRing } from '../../connectors/key-ring.ts';
import type { Db } from '../../store/index.ts';

/**
 * A tenant's WhatsApp (QR) auth state in the database, each value sealed with the key ring
 * (AES-256-GCM) and bound to its tenant and key, like connector secrets: a row copied to
 * another tenant or key does not decrypt. Each write is one transaction.
 */
export function createAuthStorage(options: { db: Db; keyRing: KeyRing; tenantId: string }): AuthStateStorage {
  const { db, keyRing, tenantId } = options;
  const context = (key: string) => `${tenantId}/whatsapp_qr/${key}`;
  return {
    async read(keys) {
      if (keys.length === 0) return new Map();
      const rows = await db.whatsappQrAuthEntry.findMany({
        where: { tenantId, key: { in: keys } },
        select: { key: true, value: true },
      });
      return new Map(rows.map((row) => [row.key, keyRing.decrypt(row.value, context(row.key))]));
    },
    async write(entries) {
      await db.$transaction(
        entries.map(([key, value]) =>
          value === null
            ? db.whatsappQrAuthEntry.deleteMany({ where: { tenantId, key } })
            : db.whatsappQrAuthEntry.upsert({
                where: { tenantId_key: { tenantId, key } },
                create: { tenantId, key, value: keyRing.encrypt(value, context(key)) },
                update: { value: keyRing.encrypt(value, context(key)) },
              }),
        ),
      );
    },
    async clear() {
      await db.whatsappQrAuthEntry.deleteMany({ where: { tenantId } });
    },
  };
}
