import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { InviteMailer } from '../../notifications/staff-invite.ts';
import type { Db } from '../../store/index.ts';
import { hashToken } from '../auth.ts';
import { tenantCaller } from '../caller.ts';
import { actorOfRequest } from '../session-auth.ts';
import { parseInput } from '../validate.ts';

/** How long an invite link stays valid. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const inviteBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email('must be an email address')),
  name: z.string().trim().min(1, 'is required').max(200),
  role: z.enum(['admin', 'agent']),
});
const userParams = z.object({ id: z.string().min(1) });

/**
 * Staff users of a tenant. Inviting creates the user with a one-time set-password link,
 * returned to the admin and emailed to the person when SMTP is configured (`inviteEmail`
 * says what became of it); only the token's hash is stored.
 */
export async function staffUserRoutes(
  app: FastifyInstance,
  options: { db: Db; clock: Clock; publicUrl: string; sendInvite: InviteMailer },
): Promise<void> {
  const { db, clock, publicUrl, sendInvite } = options;

  app.post('/admin/users', async (request, reply) => {
    const caller = tenantCaller(request);
    const body = parseInput(inviteBody, request.body, 'body');
    const token = randomBytes(32).toString('base64url');
    const existing = await db.staffUser.findUnique({
      where: { tenantId_email: { tenantId: caller.tenantId, email: body.email } },
      select: { id: true },
    });
    if (existing) throw new AppError('CONFLICT', `there is already a user "${body.email}"`);
    const user = await db.$transaction(async (tx) => {
      const created = await tx.staffUser.create({
        data: {
          tenantId: caller.tenantId,
          email: body.email,
          name: body.name,
          role: body.role,
          inviteTokenHash: hashToken(token),
          inviteExpiresAt: new Date(clock.now() + INVITE_TTL_MS),
        },
      });
      await writeAudit(tx, {
        tenantId: caller.tenantId,
        actor: actorOfRequest(request, caller),
        action: 'staff.invited',
        target: created.id,
        details: { role: body.role },
      });
      return created;
    });
    const inviteUrl = `${publicUrl}/?invite=${token}&tenant=${encodeURIComponent(caller.tenantSlug)}`;
    const tenant = await db.tenant.findUniqueOrThrow({
      where: { id: caller.tenantId },
      select: { name: true },
    });
    const inviteEmail = await sendInvite({
      tenantId: caller.tenantId,
      tenantName: tenant.name,
      email: user.email,
      name: user.name,
      role: user.role,
      inviteUrl,
      expiresAt: user.inviteExpiresAt ?? new Date(clock.now() + INVITE_TTL_MS),
    });
    await writeAudit(db, {
      tenantId: caller.tenantId,
      actor: actorOfRequest(request, caller),
      action: 'staff.invite_emailed',
      target: user.id,
      details: { status: inviteEmail.status, via: 'via' in inviteEmail ? inviteEmail.via : null },
    });
    return reply
      .status(201)
      .send({ id: user.id, email: user.email, name: user.name, role: user.role, inviteUrl, inviteEmail });
  });

  app.get('/admin/users', async (request) => {
    const { tenantId } = tenantCaller(request);
    const users = await db.staffUser.findMany({ where: { tenantId }, orderBy: [{ email: 'asc' }] });
    return {
      items: users.map((user) => ({
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        status: user.passwordHash ? 'active' : 'invited',
        createdAt: user.createdAt.toISOString(),
      })),
    };
  });

  app.delete('/admin/users/:id', async (request, reply) => {
    const caller = tenantCaller(request);
    const { id } = parseInput(userParams, request.params, 'path');
    if (request.staff?.userId === id) throw new AppError('CONFLICT', 'you cannot delete yourself');
    await db.$transaction(async (tx) => {
      // Their sessions go first, which logs them out everywhere.
      await tx.staffSession.deleteMany({ where: { userId: id, tenantId: caller.tenantId } });
      const deleted = await tx.staffUser.deleteMany({ where: { id, tenantId: caller.tenantId } });
      if (deleted.count === 0) throw new AppError('NOT_FOUND', `there is no user "${id}"`);
      await tx.conversation.updateMany({
        where: { tenantId: caller.tenantId, assigneeId: id },
        data: { assigneeId: null },
      });
      await writeAudit(tx, {
        tenantId: caller.tenantId,
        actor: actorOfRequest(request, caller),
        action: 'staff.deleted',
        target: id,
      });
    });
    return reply.status(204).send();
  });
}
