import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { generateToken, hashToken } from '../auth.ts';
import { requireAdmin } from '../caller.ts';
import { parseInput } from '../validate.ts';

const newTenant = z.object({
  slug: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{1,62}$/,
      'use 2–63 lowercase letters, digits and dashes, starting with a letter or digit',
    ),
  name: z.string().trim().min(1).max(200),
});

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
export async function tenantRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;

  app.post('/admin/tenants', async (request, reply) => {
    requireAdmin(request);
    const input = parseInput(newTenant, request.body, 'tenant');
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
    return reply.status(201).send({ id: tenant.id, slug: tenant.slug, name: tenant.name, apiToken });
  });

  app.get('/admin/tenants', async (request) => {
    requireAdmin(request);
    const tenants = await db.tenant.findMany({
      orderBy: { createdAt: 'asc' },
      select: { id: true, slug: true, name: true },
    });
    return { items: tenants };
  });
}
