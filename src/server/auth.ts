import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../store/index.ts';

/** Who made a request. A tenant caller is either a tenant token or the admin acting for a tenant. */
export type Caller =
  | { kind: 'admin'; tokenId: string }
  | { kind: 'tenant'; tokenId: string; tenantId: string; tenantSlug: string; viaAdmin: boolean };

export type TenantCaller = Extract<Caller, { kind: 'tenant' }>;

/** Where a token came from; only `environment` tokens are retired when the variable changes. */
export type TokenOrigin = 'environment' | 'generated' | 'api';

/** Tokens are random, so a fast hash is enough: nothing to brute-force, and lookup stays one index probe. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateToken(prefix: 'sba' | 'sbt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Registers the platform admin token. A token from the environment is (re)registered on
 * every start, and the token an earlier value of the variable registered is revoked, so
 * changing `SWITCHBOARD_ADMIN_TOKEN` rotates it. Without one, a token is generated on first
 * start and returned so it can be printed once — only its hash is kept.
 */
export async function ensureAdminToken(db: Db, configured: string | undefined): Promise<string | undefined> {
  if (configured) {
    const tokenHash = hashToken(configured);
    await db.$transaction(async (transaction) => {
      await transaction.apiToken.updateMany({
        where: { kind: 'admin', origin: 'environment', tokenHash: { not: tokenHash }, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      await transaction.apiToken.upsert({
        where: { tokenHash },
        create: { kind: 'admin', tokenHash, label: 'SWITCHBOARD_ADMIN_TOKEN', origin: 'environment' },
        update: { revokedAt: null },
      });
    });
    return undefined;
  }
  if (await db.apiToken.findFirst({ where: { kind: 'admin', revokedAt: null }, select: { id: true } }))
    return undefined;
  const token = generateToken('sba');
  await db.apiToken.create({
    data: {
      kind: 'admin',
      tokenHash: hashToken(token),
      label: 'generated on first start',
      origin: 'generated',
    },
  });
  return token;
}

type TokenRecord =
  | { kind: 'admin'; id: string }
  | { kind: 'tenant'; id: string; tenantId: string; tenantSlug: string };

/** Looks a token hash up in the database: the active token's record, or null. */
export type FindToken = (tokenHash: string) => Promise<TokenRecord | null>;

/** How long a lookup, found or not, is trusted. Revocation reaches every process within this. */
export const TOKEN_CACHE_TTL_MS = 1000;

/** Distinct tokens remembered per process; the least recently used one goes first. */
export const TOKEN_CACHE_SIZE = 10_000;

export function findTokenIn(db: Db): FindToken {
  return async (tokenHash) => {
    const row = await db.apiToken.findUnique({
      where: { tokenHash },
      select: { id: true, kind: true, revokedAt: true, tenantId: true, tenant: { select: { slug: true } } },
    });
    if (!row || row.revokedAt) return null;
    if (row.kind === 'admin') return { kind: 'admin', id: row.id };
    if (row.kind === 'tenant' && row.tenantId && row.tenant)
      return { kind: 'tenant', id: row.id, tenantId: row.tenantId, tenantSlug: row.tenant.slug };
    // A kind this code does not know grants nothing.
    return null;
  };
}

/**
 * Resolves bearer tokens to callers. Lookups, found and not found alike, are cached for
 * `TOKEN_CACHE_TTL_MS` in a bounded LRU, and concurrent lookups of one token share one
 * query: a flood repeating an unknown token costs one query a second, and a flood of
 * distinct tokens cannot grow memory past the bound or evict by clearing everything.
 */
export function createAuthenticator(options: {
  db: Db;
  clock: Clock;
  cacheTtlMs?: number;
  cacheSize?: number;
  findToken?: FindToken;
}) {
  const { db, clock } = options;
  const cacheTtlMs = options.cacheTtlMs ?? TOKEN_CACHE_TTL_MS;
  const findToken = options.findToken ?? findTokenIn(db);
  // The expiry is kept beside the record and read with the injected clock, so tests control time.
  const cache = new LRUCache<string, { record: TokenRecord | null; expiresAt: number }>({
    max: options.cacheSize ?? TOKEN_CACHE_SIZE,
  });
  const inFlight = new Map<string, Promise<TokenRecord | null>>();

  async function lookup(token: string): Promise<TokenRecord | null> {
    const tokenHash = hashToken(token);
    const cached = cache.get(tokenHash);
    if (cached && cached.expiresAt > clock.now()) return cached.record;
    const pending = inFlight.get(tokenHash);
    if (pending) return pending;
    const query = findToken(tokenHash)
      .then((record) => {
        cache.set(tokenHash, { record, expiresAt: clock.now() + cacheTtlMs });
        return record;
      })
      .finally(() => inFlight.delete(tokenHash));
    inFlight.set(tokenHash, query);
    return query;
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
      if (record.kind === 'tenant') {
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
