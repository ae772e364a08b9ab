import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';

const MAX_PAGE = 200;

const query = z
  .object({
    action: z.string().min(1).max(100).optional(),
    target: z.string().min(1).max(200).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

const auditLogSchema = {
  summary: 'audit entries, newest first',
  querystring: query,
  response: {
    200: z.object({
      items: z.array(
        z.object({
          id: z.string(),
          tenantId: z.string().nullable().describe('null for the platform’s own entries'),
          actor: z.string(),
          action: z.string(),
          target: z.string(),
          details: z.unknown(),
          createdAt: z.string(),
        }),
      ),
      nextCursor: z.string().nullable(),
    }),
    ...errorResponses('VALIDATION_FAILED'),
  },
};

/** Where the previous page ended: the last row's time and id (rows are newest first). */
const cursorSchema = z.object({ createdAt: z.iso.datetime(), id: z.string().min(1) });

const encodeCursor = (row: { createdAt: Date; id: string }) =>
  Buffer.from(JSON.stringify({ createdAt: row.createdAt.toISOString(), id: row.id })).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString()));
    return { createdAt: new Date(parsed.createdAt), id: parsed.id };
  } catch {
    throw new AppError(
      'VALIDATION_FAILED',
      'invalid audit-log query: cursor: use nextCursor from the previous page',
    );
  }
}

/**
 * The audit log, newest first: filtered by exact action and target and by time (`from`
 * inclusive, `to` exclusive), in pages of `limit` with an opaque `nextCursor`. A tenant sees
 * its own entries; the admin without X-Tenant sees every tenant's and the platform's.
 */
export async function auditLogRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/admin/audit-log', { schema: auditLogSchema }, async (request) => {
    // The admin's own requests span tenants; anyone acting for a tenant sees only that tenant.
    const scope = request.caller?.kind === 'admin' ? {} : { tenantId: tenantCaller(request).tenantId };
    const input = request.query;
    const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
    const rows = await db.auditLog.findMany({
      where: {
        ...scope,
        ...(input.action === undefined ? {} : { action: input.action }),
        ...(input.target === undefined ? {} : { target: input.target }),
        createdAt: {
          ...(input.from === undefined ? {} : { gte: new Date(input.from) }),
          ...(input.to === undefined ? {} : { lt: new Date(input.to) }),
        },
        ...(after === undefined
          ? {}
          : {
              OR: [
                { createdAt: { lt: after.createdAt } },
                { createdAt: after.createdAt, id: { lt: after.id } },
              ],
            }),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: input.limit + 1,
    });
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        id: row.id,
        tenantId: row.tenantId,
        actor: row.actor,
        action: row.action,
        target: row.target,
        details: JSON.parse(row.details) as unknown,
        createdAt: row.createdAt.toISOString(),
      })),
      nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null,
    };
  });
}
