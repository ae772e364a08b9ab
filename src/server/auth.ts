import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../store/index.ts';

/** Who made a request. A tenant caller is either a tenant token or the admin acting for a tenant. */
export type Caller =
  | { kind: 'admin'; tokenId: string }
  | { kind: 'tenant'; tokenId: string; tenantId: string; tenantSlug: string; viaAdmin: boolean };

export type TenantCaller = Extract<Caller, { kind: 'tenant' }>;

/** Tokens are random, so a fast hash is enough: nothing to brute-force, and lookup stays one index probe. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateToken(prefix: 'sba' | 'sbt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Registers the platform admin token. A token from the environment is (re)registered on
 * every start; without one, a token is generated on first start and returned so it can be
 * printed once — only its hash is kept.
 */
export async function ensureAdminToken(db: Db, configured: string | undefined): Promise<string | undefined> {
  if (configured) {
    const tokenHash = hashToken(configured);
    await db.apiToken.upsert({
      where: { tokenHash },
      create: { kind: 'admin', tokenHash, label: 'SWITCHBOARD_ADMIN_TOKEN' },
      update: { revokedAt: null },
    });
    return undefined;
  }
  if (await db.apiToken.findFirst({ where: { kind: 'admin', revokedAt: null }, select: { id: true } }))
    return undefined;
  const token = generateToken('sba');
  await db.apiToken.create({
    data: { kind: 'admin', tokenHash: hashToken(token), label: 'generated on first start' },
  });
  return token;
}

interface TokenRecord {
  id: string;
  kind: string;
  tenantId: string | null;
  tenantSlug: string | null;
}

/** Resolves bearer tokens to callers, caching lookups briefly. */
export function createAuthenticator(options: { db: Db; clock: Clock; cacheTtlMs?: number }) {
  const { db, clock } = options;
  const cacheTtlMs = options.cacheTtlMs ?? 10_000;
  const cache = new Map<string, { record: TokenRecord | undefined; expiresAt: number }>();

  async function lookup(token: string): Promise<TokenRecord | undefined> {
    const tokenHash = hashToken(token);
    const cached = cache.get(tokenHash);
    if (cached && cached.expiresAt > clock.now()) return cached.record;
    const row = await db.apiToken.findUnique({
      where: { tokenHash },
      include: { tenant: { select: { slug: true } } },
    });
    const record =
      row && !row.revokedAt
        ? { id: row.id, kind: row.kind, tenantId: row.tenantId, tenantSlug: row.tenant?.slug ?? null }
        : undefined;
    if (cache.size > 10_000) cache.clear();
    cache.set(tokenHash, { record, expiresAt: clock.now() + cacheTtlMs });
    return record;
  }

  async function tenantBySlug(slug: string) {
    return db.tenant.findUnique({ where: { slug }, select: { id: true, slug: true } });
  }

  return {
    /** The caller of a request, or an UNAUTHORIZED error. `X-Tenant` lets the admin act for a tenant. */
    async authenticate(request: FastifyRequest): Promise<Caller> {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
      if (!token) throw new AppError('UNAUTHORIZED', 'send an API token as "Authorization: Bearer <token>"');
      const record = await lookup(token);
      if (!record) throw new AppError('UNAUTHORIZED', 'the API token is not valid');
      if (record.kind === 'tenant' && record.tenantId && record.tenantSlug) {
        return {
          kind: 'tenant',
          tokenId: record.id,
          tenantId: record.tenantId,
          tenantSlug: record.tenantSlug,
          viaAdmin: false,
        };
      }
      const slug = request.headers['x-tenant'];
      if (typeof slug === 'string' && slug !== '') {
        const tenant = await tenantBySlug(slug);
        if (!tenant) throw new AppError('UNKNOWN_TENANT', `there is no tenant "${slug}"`);
        return {
          kind: 'tenant',
          tokenId: record.id,
          tenantId: tenant.id,
          tenantSlug: tenant.slug,
          viaAdmin: true,
        };
      }
      return { kind: 'admin', tokenId: record.id };
    },
  };
}
