import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConnectorHub } from '../../connectors/hub.ts';
import { actorOf, tenantCaller } from '../caller.ts';
import { parseInput } from '../validate.ts';

const connectorParams = z.object({ id: z.string().min(1) });
const docsQuery = z.object({ lang: z.enum(['en', 'de']).optional() });

function actor(request: FastifyRequest) {
  const caller = tenantCaller(request);
  return { tenantId: caller.tenantId, tenantSlug: caller.tenantSlug, actor: actorOf(caller) };
}

/** The connector hub's routes: catalog, masked configuration, setup docs, connection test. */
export async function connectorHubRoutes(
  app: FastifyInstance,
  options: { hub: ConnectorHub },
): Promise<void> {
  const { hub } = options;
  const idOf = (request: FastifyRequest) => parseInput(connectorParams, request.params, 'path').id;

  app.get('/admin/connector-hub/catalog', async (request) => ({
    items: await hub.catalog(tenantCaller(request).tenantId),
  }));

  app.get('/admin/connector-hub/:id/config', async (request) =>
    hub.getConfig(tenantCaller(request).tenantId, idOf(request)),
  );

  app.put('/admin/connector-hub/:id/config', async (request) => {
    const input = parseInput(z.record(z.string(), z.unknown()), request.body, 'configuration');
    return hub.updateConfig(actor(request), idOf(request), input);
  });

  app.delete('/admin/connector-hub/:id/config', async (request, reply) => {
    await hub.deleteConfig(actor(request), idOf(request));
    return reply.status(204).send();
  });

  app.get('/admin/connector-hub/:id/setup-docs', async (request) => {
    tenantCaller(request);
    const query = parseInput(docsQuery, request.query, 'query');
    const preferred = request.headers['accept-language']?.toLowerCase().startsWith('de') ? 'de' : 'en';
    return hub.setupDocs(idOf(request), query.lang ?? preferred);
  });

  app.post('/admin/connector-hub/:id/test', async (request) => hub.test(actor(request), idOf(request)));
}
