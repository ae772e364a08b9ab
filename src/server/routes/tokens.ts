import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { generateToken, hashToken } from '../auth.ts';
import { actorOf } from '../caller.ts';
import { errorResponses, noContent } from '../openapi.ts';

const newToken = z.object({ label: z.string().trim().min(1).max(100) }).strict();
const tokenId = z.object({ id: z.string().min(1).max(100) });

const tokenSummary = z.object({
  id: z.string(),
  kind: z.string().describe('tenant or admin'),
  label: z.string(),
  origin: z.string().describe('environment, generated or api'),
  createdAt: z.date(),
  revokedAt: z.date().nullable(),
});
const createSchema = {
  summary: 'a new named token, shown once',
  body: newToken,
  response: {
    201: tokenSummary.extend({ token: z.string().describe('shown once; only its SHA-256 is stored') }),
    ...errorResponses('VALIDATION_FAILED'),
  },
};
const listSchema = {
  summary: 'the tenant’s tokens, or the admin tokens, without secrets',
  response: { 200: z.object({ items: z.array(tokenSummary) }) },
};
const revokeSchema = {
  summary: 'revoke a token; every process refuses it within 1 s',
  params: tokenId,
  response: { 204: noContent, ...errorResponses('VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT') },
};

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
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/admin/tokens', { schema: createSchema }, async (request, reply) => {
    const scope = scopeOf(request);
    const input = request.body;
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

  api.get('/admin/tokens', { schema: listSchema }, async (request) => {
    const scope = scopeOf(request);
    const items = await db.apiToken.findMany({
      where: rowsOf(scope),
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: listed,
    });
    return { items };
  });

  api.delete('/admin/tokens/:id', { schema: revokeSchema }, async (request, reply) => {
    const scope = scopeOf(request);
    const { id } = request.params;
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
