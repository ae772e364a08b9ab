import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Db } from '../store/index.ts';

/** A write key as listed: never the key itself, which is shown once when created. */
export interface WriteKeySummary {
  id: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Whose events a request carries: the tenant and the key that authenticated it. */
export interface WriteKeyHolder {
  keyId: string;
  tenantId: string;
}

/** Write keys are random, so a fast hash suffices (nothing to brute-force) and lookup is one index probe. */
function hashWriteKey(writeKey: string): string {
  return createHash('sha256').update(writeKey).digest('hex');
}

const summary = (row: { id: string; label: string; createdAt: Date; revokedAt: Date | null }) => ({
  id: row.id,
  label: row.label,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/**
 * The collector's credentials: per-tenant write keys, stored as SHA-256 hashes. Lookups are
 * cached briefly; a revocation in this process takes effect at once, in other processes
 * within the cache lifetime.
 */
export function createWriteKeys(options: { db: Db; clock: Clock; cacheTtlMs?: number }) {
  const { db, clock } = options;
  const cacheTtlMs = options.cacheTtlMs ?? 10_000;
  const cache = new Map<string, { holder: WriteKeyHolder | undefined; expiresAt: number }>();

  return {
    /** Creates a key; the returned `writeKey` is the only time it is ever shown. */
    async create(tenantId: string, label: string): Promise<WriteKeySummary & { writeKey: string }> {
      const writeKey = `sbw_${randomBytes(32).toString('base64url')}`;
      const row = await db.analyticsWriteKey.create({
        data: { tenantId, label, keyHash: hashWriteKey(writeKey) },
      });
      return { ...summary(row), writeKey };
    },

    async list(tenantId: string): Promise<WriteKeySummary[]> {
      const rows = await db.analyticsWriteKey.findMany({
        where: { tenantId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      return rows.map(summary);
    },

    /** Revokes one of the tenant's active keys; false when it has no such key. */
    async revoke(tenantId: string, id: string): Promise<boolean> {
      const active = { id, tenantId, revokedAt: null };
      const row = await db.analyticsWriteKey.findFirst({ where: active, select: { keyHash: true } });
      if (!row) return false;
      // Conditional, so that of two concurrent revocations only one reports success.
      const result = await db.analyticsWriteKey.updateMany({
        where: active,
        data: { revokedAt: new Date(clock.now()) },
      });
      cache.delete(row.keyHash);
      return result.count === 1;
    },

    /** The holder of an active key, or undefined for a missing, unknown or revoked one. */
    async authenticate(writeKey: string | undefined): Promise<WriteKeyHolder | undefined> {
      if (!writeKey) return undefined;
      const keyHash = hashWriteKey(writeKey);
      const cached = cache.get(keyHash);
      if (cached && cached.expiresAt > clock.now()) return cached.holder;
      const row = await db.analyticsWriteKey.findUnique({ where: { keyHash } });
      const holder = row && !row.revokedAt ? { keyId: row.id, tenantId: row.tenantId } : undefined;
      if (cache.size > 10_000) cache.clear();
      cache.set(keyHash, { holder, expiresAt: clock.now() + cacheTtlMs });
      return holder;
    },
  };
}

export type WriteKeys = ReturnType<typeof createWriteKeys>;
