import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectorHub } from '../../connectors/hub.ts';
import { actorOf, tenantCaller } from '../caller.ts';
import { errorResponses, noContent } from '../openapi.ts';

const connectorParams = z.object({ id: z.string().min(1) });
const docsQuery = z.object({ lang: z.enum(['en', 'de']).optional() });

const statusText = 'not_configured, configured, connected, error (catalog also: retired)';
const maskedConfig = z.object({
  connectorId: z.string(),
  status: z.string().describe(statusText),
  statusDetail: z.string().nullable(),
  values: z.record(z.string(), z.string()).describe('the declared fields; secrets masked as ••••last4'),
  details: z.record(z.string(), z.string()).describe('what setup learned from the provider'),
  updatedAt: z.string().nullable(),
  reveal: z
    .record(z.string(), z.string())
    .optional()
    .describe('only in the answer to the save that produced them: values to copy now, never shown again'),
});
const connectionCheck = z.object({ ok: z.boolean(), detail: z.string() });
const catalogSchema = {
  summary: 'every connector with its fields and status',
  response: {
    200: z.object({
      items: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          category: z.string(),
          fields: z.array(
            z.object({
              key: z.string(),
              label: z.string(),
              required: z.boolean(),
              secret: z.boolean(),
              description: z.string().optional(),
            }),
          ),
          status: z.string().describe(statusText),
        }),
      ),
    }),
  },
};
const readConfigSchema = {
  summary: 'the stored configuration, secrets masked',
  params: connectorParams,
  response: {
    200: maskedConfig,
    ...errorResponses('UNKNOWN_CONNECTOR', 'VALIDATION_FAILED', 'CONFIG_UNREADABLE'),
  },
};
const updateConfigSchema = {
  summary: 'merge fields into the configuration; a masked secret sent back is kept',
  params: connectorParams,
  body: z
    .record(z.string(), z.unknown())
    .describe('field key → string value; an empty string clears a field'),
  response: {
    200: maskedConfig,
    ...errorResponses('UNKNOWN_CONNECTOR', 'VALIDATION_FAILED', 'CONNECTOR_RETIRED', 'CONFIG_UNREADABLE'),
  },
};
const deleteConfigSchema = {
  summary: 'delete the configuration (and unregister from the provider where it can)',
  params: connectorParams,
  response: { 204: noContent, ...errorResponses('UNKNOWN_CONNECTOR', 'NOT_FOUND', 'VALIDATION_FAILED') },
};
const setupDocsSchema = {
  summary: 'the setup guide, in English or German (default: Accept-Language)',
  params: connectorParams,
  querystring: docsQuery,
  response: {
    200: z.object({ connectorId: z.string(), language: z.enum(['en', 'de']), markdown: z.string() }),
    ...errorResponses('UNKNOWN_CONNECTOR', 'VALIDATION_FAILED'),
  },
};
const testSchema = {
  summary: 'check the stored credentials against the provider',
  params: connectorParams,
  response: {
    200: connectionCheck,
    ...errorResponses(
      'UNKNOWN_CONNECTOR',
      'NOT_FOUND',
      'CONNECTOR_RETIRED',
      'VALIDATION_FAILED',
      'CONFIG_UNREADABLE',
    ),
  },
};

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
  const api = app.withTypeProvider<ZodTypeProvider>();
  const idOf = (request: FastifyRequest) => (request.params as z.infer<typeof connectorParams>).id;

  api.get('/admin/connector-hub/catalog', { schema: catalogSchema }, async (request) => ({
    items: await hub.catalog(tenantCaller(request).tenantId),
  }));

  api.get('/admin/connector-hub/:id/config', { schema: readConfigSchema }, async (request) =>
    hub.getConfig(tenantCaller(request).tenantId, idOf(request)),
  );

  api.put('/admin/connector-hub/:id/config', { schema: updateConfigSchema }, async (request) => {
    return hub.updateConfig(actor(request), idOf(request), request.body);
  });

  api.delete('/admin/connector-hub/:id/config', { schema: deleteConfigSchema }, async (request, reply) => {
    await hub.deleteConfig(actor(request), idOf(request));
    return reply.status(204).send();
  });

  api.get('/admin/connector-hub/:id/setup-docs', { schema: setupDocsSchema }, async (request) => {
    tenantCaller(request);
    const query = request.query;
    const preferred = request.headers['accept-language']?.toLowerCase().startsWith('de') ? 'de' : 'en';
    return hub.setupDocs(idOf(request), query.lang ?? preferred);
  });

  api.post('/admin/connector-hub/:id/test', { schema: testSchema }, async (request) =>
    hub.test(actor(request), idOf(request)),
  );
}
