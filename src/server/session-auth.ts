import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../store/index.ts';
import { hashToken, type TenantCaller } from './auth.ts';
import { actorOf } from './caller.ts';

export const SESSION_COOKIE = 'switchboard_session';
/** A session lasts this long from login; logging in again starts a new one. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export type StaffRole = 'admin' | 'agent';

/** The staff member behind a cookie-authenticated request. */
export interface StaffIdentity {
  userId: string;
  sessionId: string;
  role: StaffRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request was authenticated by a staff session cookie rather than a token. */
    staff: StaffIdentity | undefined;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes the `agent` role may use: the inbox and what it needs. Everything else under /admin is for admins. */
function agentMayUse(method: string, url: string): boolean {
  if (url === '/admin/conversations' || url.startsWith('/admin/conversations/')) return true;
  if (url === '/admin/events') return true;
  return method === 'GET' && url === '/admin/users';
}

/** Constant-time comparison of a secret the client sent with the one stored. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Creates a session for a user who just proved their password; returns the cookie token. */
export async function startSession(
  db: Db,
  clock: Clock,
  user: { id: string; tenantId: string },
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(clock.now() + SESSION_TTL_MS);
  await db.staffSession.create({
    data: { tenantId: user.tenantId, userId: user.id, tokenHash: hashToken(token), csrfToken, expiresAt },
  });
  return { token, csrfToken, expiresAt };
}

/**
 * Sets the session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site
 * sends it), and Secure when the request came over HTTPS, directly or through a proxy.
 */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  expiresAt: Date,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https',
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** The live session behind a request's cookie, with its user and tenant; undefined when there is none. */
export async function findSession(db: Db, clock: Clock, request: FastifyRequest) {
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return undefined;
  const session = await db.staffSession.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: { include: { tenant: { select: { id: true, slug: true, name: true } } } } },
  });
  if (!session || session.revokedAt || session.expiresAt.getTime() <= clock.now()) return undefined;
  return session;
}

/**
 * Authenticates /admin requests by the staff session cookie. Writes must carry the session's
 * CSRF token in `X-CSRF-Token` (the cookie alone is what a forged cross-site request would
 * have), and the `agent` role reaches only the inbox routes.
 */
export function createSessionAuthenticator(options: { db: Db; clock: Clock }) {
  const { db, clock } = options;
  return {
    /** True when the request carries a session cookie, so it is authenticated by it. */
    applies(request: FastifyRequest): boolean {
      return !request.headers.authorization && Boolean(request.cookies[SESSION_COOKIE]);
    },

    async authenticate(request: FastifyRequest): Promise<TenantCaller> {
      const session = await findSession(db, clock, request);
      if (!session) throw new AppError('UNAUTHORIZED', 'the session has ended; log in again');
      if (!SAFE_METHODS.has(request.method)) {
        const given = request.headers['x-csrf-token'];
        if (typeof given !== 'string' || !sameSecret(given, session.csrfToken))
          throw new AppError('FORBIDDEN', 'send the CSRF token from GET /auth/me in X-CSRF-Token');
      }
      const role: StaffRole = session.user.role === 'admin' ? 'admin' : 'agent';
      const url = request.routeOptions.url ?? request.url;
      if (role === 'agent' && !agentMayUse(request.method, url))
        throw new AppError('FORBIDDEN', 'this route needs the admin role');
      request.staff = { userId: session.userId, sessionId: session.id, role };
      return {
        kind: 'tenant',
        tokenId: session.id,
        tenantId: session.user.tenant.id,
        tenantSlug: session.user.tenant.slug,
        viaAdmin: false,
      };
    },
  };
}

/** The audit actor of a request: the staff user when a session made it, else the token. */
export function actorOfRequest(request: FastifyRequest, caller: TenantCaller): string {
  return request.staff ? `user:${request.staff.userId}` : actorOf(caller);
}
