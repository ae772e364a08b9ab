import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { hashToken } from '../auth.ts';
import type { createLoginLimiter } from '../login-limiter.ts';
import { hashPassword, verifyPassword } from '../passwords.ts';
import {
  clearSessionCookie,
  findSession,
  sameSecret,
  setSessionCookie,
  startSession,
} from '../session-auth.ts';
import { parseInput } from '../validate.ts';

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
  app.removeContentTypeParser('text/plain');

  app.post('/auth/login', async (request, reply) => {
    const body = parseInput(loginBody, request.body, 'body');
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

  app.post('/auth/logout', async (request, reply) => {
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

  app.get('/auth/me', async (request) => {
    const session = await findSession(db, clock, request);
    if (!session) throw new AppError('UNAUTHORIZED', 'not logged in');
    const { user } = session;
    return {
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
      tenant: user.tenant,
      csrfToken: session.csrfToken,
    };
  });

  app.post('/auth/set-password', async (request) => {
    const body = parseInput(setPasswordBody, request.body, 'body');
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
