import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { hashToken } from '../auth.ts';
import type { createLoginLimiter } from '../login-limiter.ts';
import { errorResponses, noContent } from '../openapi.ts';
import { hashPassword, verifyPassword } from '../passwords.ts';
import {
  clearSessionCookie,
  findSession,
  sameSecret,
  setSessionCookie,
  startSession,
} from '../session-auth.ts';

export const password = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'must be at most 200 characters');

const loginBody = z.object({
  tenant: z.string().min(1, 'name the workspace'),
  email: z.string().trim().toLowerCase().pipe(z.email('must be an email address')),
  password: z.string().min(1, 'is required').max(200),
});
const setPasswordBody = z.object({ token: z.string().min(1), password });

const csrfToken = z.string().describe('send it as X-CSRF-Token with every write of this session');
const session = [{ session: [] }];
const loginSchema = {
  summary: 'log in to a workspace; sets the session cookie',
  body: loginBody,
  response: {
    200: z.object({ csrfToken }),
    ...errorResponses('VALIDATION_FAILED', 'UNAUTHORIZED', 'RATE_LIMITED'),
  },
};
const logoutSchema = {
  summary: 'end the session and clear its cookie',
  security: session,
  response: { 204: noContent, ...errorResponses('FORBIDDEN') },
};
const meSchema = {
  summary: 'the logged-in user, their workspace and the session’s CSRF token',
  security: session,
  response: {
    200: z.object({
      user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string() }),
      tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
      csrfToken,
    }),
    ...errorResponses('UNAUTHORIZED'),
  },
};
const setPasswordSchema = {
  summary: 'choose a password with the token of an invite link; ends the user’s other sessions',
  body: setPasswordBody,
  response: {
    200: z.object({ email: z.string(), tenant: z.string() }),
    ...errorResponses('VALIDATION_FAILED', 'NOT_FOUND'),
  },
};

export interface StaffAuthOptions {
  db: Db;
  clock: Clock;
  limiter: ReturnType<typeof createLoginLimiter>;
}

/**
 * Staff login with email and password for one workspace (tenant slug), the session cookie,
 * logout, the current user with the CSRF token, and accepting an invite.
 */
export async function staffAuthRoutes(app: FastifyInstance, options: StaffAuthOptions): Promise<void> {
  const { db, clock, limiter } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();
  app.removeContentTypeParser('text/plain');

  api.post('/auth/login', { schema: loginSchema }, async (request, reply) => {
    const body = request.body;
    const account = `account:${body.tenant}:${body.email}`;
    const keys = [`address:${request.ip}`, account];
    limiter.check(keys);
    const user = await db.staffUser.findFirst({
      where: { email: body.email, tenant: { slug: body.tenant } },
      include: { tenant: { select: { slug: true } } },
    });
    if (!(await verifyPassword(user?.passwordHash, body.password)) || !user) {
      limiter.fail(keys);
      throw new AppError('UNAUTHORIZED', 'the workspace, email or password is wrong');
    }
    limiter.succeed(account);
    const session = await startSession(db, clock, user);
    await writeAudit(db, {
      tenantId: user.tenantId,
      actor: `user:${user.id}`,
      action: 'staff.login',
      target: user.id,
    });
    setSessionCookie(request, reply, session.token, session.expiresAt);
    return { csrfToken: session.csrfToken };
  });

  api.post('/auth/logout', { schema: logoutSchema }, async (request, reply) => {
    const session = await findSession(db, clock, request);
    if (session) {
      const given = request.headers['x-csrf-token'];
      if (typeof given !== 'string' || !sameSecret(given, session.csrfToken))
        throw new AppError('FORBIDDEN', 'send the CSRF token from GET /auth/me in X-CSRF-Token');
      await db.staffSession.update({ where: { id: session.id }, data: { revokedAt: new Date(clock.now()) } });
    }
    clearSessionCookie(reply);
    return reply.status(204).send();
  });

  api.get('/auth/me', { schema: meSchema }, async (request) => {
    const session = await findSession(db, clock, request);
    if (!session) throw new AppError('UNAUTHORIZED', 'not logged in');
    const { user } = session;
    return {
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
      tenant: user.tenant,
      csrfToken: session.csrfToken,
    };
  });

  api.post('/auth/set-password', { schema: setPasswordSchema }, async (request) => {
    const body = request.body;
    const user = await db.staffUser.findUnique({
      where: { inviteTokenHash: hashToken(body.token) },
      include: { tenant: { select: { slug: true } } },
    });
    if (!user?.inviteExpiresAt || user.inviteExpiresAt.getTime() <= clock.now())
      throw new AppError('NOT_FOUND', 'this invite link is not valid (used or expired); ask for a new one');
    const passwordHash = await hashPassword(body.password);
    // Conditional on the token still being there, so the link works once even when used twice at the same time.
    const changed = await db.$transaction(async (tx) => {
      const updated = await tx.staffUser.updateMany({
        where: { id: user.id, inviteTokenHash: user.inviteTokenHash },
        data: { passwordHash, inviteTokenHash: null, inviteExpiresAt: null },
      });
      if (updated.count === 0) return false;
      await tx.staffSession.updateMany({
        where: { userId: user.id, revokedAt: null },
        data: { revokedAt: new Date(clock.now()) },
      });
      await writeAudit(tx, {
        tenantId: user.tenantId,
        actor: `user:${user.id}`,
        action: 'staff.password_set',
        target: user.id,
      });
      return true;
    });
    if (!changed) throw new AppError('NOT_FOUND', 'this invite link was used already');
    return { email: user.email, tenant: user.tenant.slug };
  });
}
