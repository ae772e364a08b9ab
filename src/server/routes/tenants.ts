import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import { AppError } from '../../core/errors.ts';
import type { Store } from '../../store/index.ts';
import { generateToken, hashToken } from '../auth.ts';
import { requireAdmin } from '../caller.ts';
import { deleteTenant } from '../data-protection/tenant-delete.ts';
import { errorResponses, noContent } from '../openapi.ts';

const newTenant = z.object({
  slug: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{1,62}$/,
      'use 2–63 lowercase letters, digits and dashes, starting with a letter or digit',
    ),
  name: z.string().trim().min(1).max(200),
});

const tenantSlug = z.object({ slug: z.string().min(1).max(63) });

const tenant = z.object({ id: z.string(), slug: z.string(), name: z.string() });
const createSchema = {
  summary: 'create a tenant; the answer holds its first API token, shown once',
  body: newTenant,
  response: {
    201: tenant.extend({ apiToken: z.string().describe('shown once; only its hash is stored') }),
    ...errorResponses('VALIDATION_FAILED', 'CONFLICT'),
  },
};
const listSchema = { summary: 'every tenant', response: { 200: z.object({ items: z.array(tenant) }) } };
const deleteSchema = {
  summary: 'delete the tenant and every row it owns',
  params: tenantSlug,
  response: { 204: noContent, ...errorResponses('VALIDATION_FAILED', 'UNKNOWN_TENANT') },
};

/** The audit actor of an admin request, with or without X-Tenant. */
function adminActor(request: FastifyRequest): string {
  return `admin:${request.caller?.tokenId ?? 'unknown'}`;
}

/** P2002 is Prisma's unique violation: a concurrent request created the slug after the check. */
function conflictOnDuplicate(slug: string) {
  return (error: unknown): never => {
    if ((error as { code?: unknown }).code === 'P2002') {
      throw new AppError('CONFLICT', `a tenant with slug "${slug}" already exists`);
    }
    throw error;
  };
}

/** Tenant administration: the platform admin creates businesses and receives each one's API token once. */
export async function tenantRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const { db, dialect } = options.store;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/admin/tenants', { schema: createSchema }, async (request, reply) => {
    requireAdmin(request);
    const input = request.body;
    if (await db.tenant.findUnique({ where: { slug: input.slug }, select: { id: true } })) {
      throw new AppError('CONFLICT', `a tenant with slug "${input.slug}" already exists`);
    }
    const apiToken = generateToken('sbt');
    const tenant = await db.tenant
      .create({
        data: {
          slug: input.slug,
          name: input.name,
          apiTokens: {
            create: { kind: 'tenant', tokenHash: hashToken(apiToken), label: 'created with the tenant' },
          },
        },
      })
      .catch(conflictOnDuplicate(input.slug));
    await writeAudit(db, {
      tenantId: tenant.id,
      actor: adminActor(request),
      action: 'tenant.created',
      target: tenant.slug,
    });
    return reply.status(201).send({ id: tenant.id, slug: tenant.slug, name: tenant.name, apiToken });
  });

  api.get('/admin/tenants', { schema: listSchema }, async (request) => {
    requireAdmin(request);
    const tenants = await db.tenant.findMany({
      orderBy: { createdAt: 'asc' },
      select: { id: true, slug: true, name: true },
    });
    return { items: tenants };
  });

  /** Deletes the tenant and everything it owns; the platform's audit entry keeps only the slug. */
  api.delete('/admin/tenants/:slug', { schema: deleteSchema }, async (request, reply) => {
    requireAdmin(request);
    const { slug } = request.params;
    const tenant = await db.tenant.findUnique({ where: { slug }, select: { id: true } });
    if (!tenant || !(await deleteTenant(db, dialect, tenant.id)))
      throw new AppError('UNKNOWN_TENANT', `there is no tenant "${slug}"`);
    await writeAudit(db, {
      tenantId: null,
      actor: adminActor(request),
      action: 'tenant.deleted',
      target: slug,
    });
    return reply.status(204).send();
  });
}
