import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { generateToken, hashToken } from '../auth.ts';
import { actorOf } from '../caller.ts';
import { parseInput } from '../validate.ts';

const newToken = z.object({ label: z.string().trim().min(1).max(100) }).strict();
const tokenId = z.object({ id: z.string().min(1).max(100) });

/** Whose tokens a request manages: a tenant's (tenant token, or the admin with X-Tenant) or the admin's. */
type Scope =
  | { kind: 'tenant'; tenantId: string; actor: string }
  | { kind: 'admin'; tenantId: null; actor: string };

function scopeOf(request: FastifyRequest): Scope {
  const caller = request.caller;
  if (caller?.kind === 'tenant') return { kind: 'tenant', tenantId: caller.tenantId, actor: actorOf(caller) };
  if (caller?.kind === 'admin') return { kind: 'admin', tenantId: null, actor: `admin:${caller.tokenId}` };
  throw new AppError('UNAUTHORIZED', 'send an API token as "Authorization: Bearer <token>"');
}

/** The rows a scope may see: its tenant's tokens, or the admin tokens. */
const rowsOf = (scope: Scope) =>
  scope.kind === 'tenant' ? { kind: 'tenant', tenantId: scope.tenantId } : { kind: 'admin', tenantId: null };

const listed = {
  id: true,
  kind: true,
  label: true,
  origin: true,
  createdAt: true,
  revokedAt: true,
} as const;

/**
 * API token lifecycle. A tenant (or the admin with X-Tenant) manages that tenant's tokens;
 * the admin without X-Tenant manages admin tokens. A new token is shown once, in the answer
 * that creates it; only its SHA-256 is stored. Revocation reaches every process within the
 * authenticator's cache time (1 s).
 */
export async function tokenRoutes(app: FastifyInstance, options: { db: Db; clock: Clock }): Promise<void> {
  const { db, clock } = options;

  app.post('/admin/tokens', async (request, reply) => {
    const scope = scopeOf(request);
    const input = parseInput(newToken, request.body, 'token');
    const token = generateToken(scope.kind === 'admin' ? 'sba' : 'sbt');
    const row = await db.$transaction(async (transaction) => {
      const created = await transaction.apiToken.create({
        data: { ...rowsOf(scope), tokenHash: hashToken(token), label: input.label, origin: 'api' },
        select: listed,
      });
      await writeAudit(transaction, {
        tenantId: scope.tenantId,
        actor: scope.actor,
        action: 'token.created',
        target: created.id,
        details: { kind: created.kind },
      });
      return created;
    });
    return reply.status(201).send({ ...row, token });
  });

  app.get('/admin/tokens', async (request) => {
    const scope = scopeOf(request);
    const items = await db.apiToken.findMany({
      where: rowsOf(scope),
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: listed,
    });
    return { items };
  });

  app.delete('/admin/tokens/:id', async (request, reply) => {
    const scope = scopeOf(request);
    const { id } = parseInput(tokenId, request.params, 'token id');
    await db.$transaction(async (transaction) => {
      const token = await transaction.apiToken.findFirst({
        where: { id, ...rowsOf(scope) },
        select: { id: true, revokedAt: true },
      });
      if (!token) throw new AppError('NOT_FOUND', `there is no token "${id}"`);
      if (token.revokedAt) return;
      if (scope.kind === 'admin') {
        const others = await transaction.apiToken.count({
          where: { kind: 'admin', revokedAt: null, id: { not: id } },
        });
        if (others === 0)
          throw new AppError('CONFLICT', 'this is the last admin token; create another before revoking it');
      }
      await transaction.apiToken.update({ where: { id }, data: { revokedAt: new Date(clock.now()) } });
      await writeAudit(transaction, {
        tenantId: scope.tenantId,
        actor: scope.actor,
        action: 'token.revoked',
        target: id,
      });
    });
    return reply.status(204).send();
  });
}
