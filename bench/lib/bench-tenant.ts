import type { FastifyInstance } from 'fastify';

export interface BenchTenant {
  id: string;
  apiToken: string;
  /** `PUT`s an admin URL as the tenant (a connector's config, the agent settings); throws unless 200. */
  put(url: string, payload: Record<string, unknown>): Promise<void>;
}

/** Creates the bench's tenant through the admin API, as an operator would. */
export async function createBenchTenant(
  app: FastifyInstance,
  adminToken: string,
  slug = 'bench',
): Promise<BenchTenant> {
  const created = await app.inject({
    method: 'POST',
    url: '/admin/tenants',
    headers: { authorization: `Bearer ${adminToken}` },
    payload: { slug, name: 'Bench' },
  });
  if (created.statusCode !== 201) throw new Error(`creating the tenant failed: ${created.body}`);
  const tenant = created.json<{ id: string; apiToken: string }>();
  return {
    ...tenant,
    async put(url, payload) {
      const answer = await app.inject({
        method: 'PUT',
        url,
        headers: { authorization: `Bearer ${tenant.apiToken}` },
        payload,
      });
      if (answer.statusCode !== 200) throw new Error(`PUT ${url} failed: ${answer.body}`);
    },
  };
}
