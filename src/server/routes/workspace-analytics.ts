import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { integrationCategory, integrationService } from '../../analytics/events/integration.ts';
import type { Tracker } from '../../analytics/tracker.ts';
import type { Integration } from '../../integrations/types.ts';
import { tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';

const body = z.object({
  event: z.enum(['integration_viewed', 'integration_connect_clicked']),
  connectorId: z.string().min(1).max(100),
});
const eventSchema = {
  summary: 'staff viewed an integration or clicked to connect it',
  body,
  response: {
    202: z.object({ recorded: z.boolean().describe('false for connectors outside the event catalog') }),
    ...errorResponses('VALIDATION_FAILED'),
  },
};

/** The catalog's connection status for a stored connector status. */
const statusOf = (stored: string | undefined) =>
  stored === 'connected'
    ? 'connected'
    : stored === 'error'
      ? 'error'
      : stored
        ? 'connecting'
        : 'disconnected';

/**
 * `POST /admin/analytics/workspace-events`: the workspace reports that staff viewed an
 * integration or clicked to connect it. The server fills in provider, service, category and
 * status from the registry and the stored configuration, so the browser needs no write key
 * and cannot send anything else. Connectors outside the event catalog (channels) record
 * nothing; the answer says whether an event was recorded.
 */
export async function workspaceAnalyticsRoutes(
  app: FastifyInstance,
  options: {
    tracker: Pick<Tracker, 'record'>;
    integrations: Record<string, Integration>;
    statuses(tenantId: string): Promise<Map<string, string>>;
  },
): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post('/admin/analytics/workspace-events', { schema: eventSchema }, async (request, reply) => {
    const { tenantId } = tenantCaller(request);
    const { event, connectorId } = request.body;
    const tool = options.integrations[connectorId]?.tools[0];
    const service = integrationService.safeParse(tool?.service);
    const category = integrationCategory.safeParse(options.integrations[connectorId]?.connector.category);
    if (!tool || !service.success || !category.success) return reply.status(202).send({ recorded: false });
    const status = statusOf((await options.statuses(tenantId)).get(connectorId));
    const common = { provider: tool.provider, service: service.data, category: category.data };
    await options.tracker.record([
      event === 'integration_viewed'
        ? { event, tenantId, properties: { ...common, current_status: status } }
        : {
            event,
            tenantId,
            // A saved but never authorized OAuth client is `connecting`; the seed's enum knows
            // only `disconnected` and `error` before a click, so it counts as disconnected.
            properties: {
              ...common,
              is_reconnect: status === 'error' || status === 'connected',
              previous_status: status === 'error' ? 'error' : 'disconnected',
            },
          },
    ] as Parameters<Tracker['record']>[0]);
    return reply.status(202).send({ recorded: true });
  });
}
