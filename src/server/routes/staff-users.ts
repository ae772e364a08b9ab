import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { InviteMailer } from '../../notifications/staff-invite.ts';
import type { Db } from '../../store/index.ts';
import { hashToken } from '../auth.ts';
import { tenantCaller } from '../caller.ts';
import { errorResponses, noContent } from '../openapi.ts';
import { actorOfRequest } from '../session-auth.ts';

/** How long an invite link stays valid. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const inviteBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email('must be an email address')),
  name: z.string().trim().min(1, 'is required').max(200),
  role: z.enum(['admin', 'agent']),
});
const userParams = z.object({ id: z.string().min(1) });

const inviteSchema = {
  summary: 'invite a staff user: the answer holds their one-time set-password link',
  body: inviteBody,
  response: {
    201: z.object({
      id: z.string(),
      email: z.string(),
      name: z.string(),
      role: z.string(),
      inviteUrl: z.string().describe('valid for 7 days, once; only its token’s hash is stored'),
      inviteEmail: z
        .discriminatedUnion('status', [
          z.object({ status: z.literal('sent'), via: z.enum(['tenant', 'operator']) }),
          z.object({ status: z.literal('failed'), via: z.enum(['tenant', 'operator']), detail: z.string() }),
          z.object({ status: z.literal('not_configured') }),
        ])
        .describe('the link emailed through the tenant’s SMTP connector, else the operator’s SMTP_URL'),
    }),
    ...errorResponses('VALIDATION_FAILED', 'CONFLICT'),
  },
};
const listSchema = {
  summary: 'the tenant’s staff users',
  response: {
    200: z.object({
      items: z.array(
        z.object({
          id: z.string(),
          email: z.string(),
          name: z.string(),
          role: z.string(),
          status: z.string().describe('active, or invited until they set a password'),
          createdAt: z.string(),
        }),
      ),
    }),
  },
};
const deleteSchema = {
  summary: 'delete a staff user; their sessions end',
  params: userParams,
  response: { 204: noContent, ...errorResponses('VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT') },
};

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
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/admin/users', { schema: inviteSchema }, async (request, reply) => {
    const caller = tenantCaller(request);
    const body = request.body;
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

  api.get('/admin/users', { schema: listSchema }, async (request) => {
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

  api.delete('/admin/users/:id', { schema: deleteSchema }, async (request, reply) => {
    const caller = tenantCaller(request);
    const { id } = request.params;
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
