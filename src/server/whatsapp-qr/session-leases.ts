import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';

/** A lease this process holds on one tenant's WhatsApp session. */
export interface HeldLease {
  tenantId: string;
  /** Grows by one with every new holder: a write carrying an older token is refused. */
  fencingToken: number;
}

export interface SessionLeases {
  readonly owner: string;
  /** Takes the session when nobody holds it or the holder's lease ran out; undefined when another process holds it. */
  acquire(tenantId: string): Promise<HeldLease | undefined>;
  /** Extends the lease; false when it was lost (another process took it over). */
  renew(lease: HeldLease): Promise<boolean>;
  /**
   * Throws AppError('LEASE_LOST') unless `lease` is still the current one (same holder, same
   * fencing token), and makes sure it stays valid for at least a third of its length, the
   * margin that keeps a send from outliving its lease.
   */
  confirm(lease: HeldLease): Promise<void>;
  release(lease: HeldLease): Promise<void>;
}

/**
 * One owner per linked number across processes sharing the database: a row per tenant with
 * the holder, an expiry renewed by heartbeat, and a fencing token. Every step is a single
 * conditional UPDATE, so two processes racing for an expired lease cannot both win.
 */
export function createSessionLeases(options: {
  db: Db;
  owner: string;
  leaseMs: number;
  now?: () => number;
}): SessionLeases {
  const { db, owner, leaseMs } = options;
  const now = options.now ?? Date.now;

  async function ensureRow(tenantId: string): Promise<void> {
    if (await db.whatsappQrSession.findUnique({ where: { tenantId }, select: { tenantId: true } })) return;
    // Two processes may create it at once; the loser's unique violation is harmless.
    await db.whatsappQrSession.create({ data: { tenantId } }).catch(() => undefined);
  }

  return {
    owner,
    async acquire(tenantId) {
      await ensureRow(tenantId);
      const at = now();
      const taken = await db.whatsappQrSession.updateMany({
        where: { tenantId, OR: [{ owner: null }, { owner }, { leaseExpiresAt: { lt: BigInt(at) } }] },
        data: { owner, leaseExpiresAt: BigInt(at + leaseMs), fencingToken: { increment: 1 } },
      });
      if (taken.count === 0) return undefined;
      const row = await db.whatsappQrSession.findUniqueOrThrow({
        where: { tenantId },
        select: { owner: true, fencingToken: true },
      });
      return row.owner === owner ? { tenantId, fencingToken: row.fencingToken } : undefined;
    },
    async renew(lease) {
      const renewed = await db.whatsappQrSession.updateMany({
        where: { tenantId: lease.tenantId, owner, fencingToken: lease.fencingToken },
        data: { leaseExpiresAt: BigInt(now() + leaseMs) },
      });
      return renewed.count === 1;
    },
    async confirm(lease) {
      const row = await db.whatsappQrSession.findUnique({
        where: { tenantId: lease.tenantId },
        select: { owner: true, fencingToken: true, leaseExpiresAt: true },
      });
      const ours = row?.owner === owner && row.fencingToken === lease.fencingToken;
      if (ours && Number(row.leaseExpiresAt) > now() + leaseMs / 3) return;
      // Still ours but near its end (a late heartbeat): the token is unchanged, so nobody held
      // it meanwhile, and extending it under that condition keeps the fence intact.
      if (ours && (await this.renew(lease))) return;
      throw new AppError(
        'LEASE_LOST',
        'this process no longer holds the WhatsApp session (fencing token refused); nothing was sent',
      );
    },
    async release(lease) {
      await db.whatsappQrSession.updateMany({
        where: { tenantId: lease.tenantId, owner, fencingToken: lease.fencingToken },
        data: { owner: null, leaseExpiresAt: BigInt(0) },
      });
    },
  };
}
