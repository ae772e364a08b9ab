import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  type AgentSettings,
  agentSettingsSchema,
  loadAgentSettings,
  saveAgentSettings,
} from '../../agent/settings.ts';
import { writeAudit } from '../../connectors/audit.ts';
import type { Db } from '../../store/index.ts';
import { actorOf, tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';

const readSchema = { summary: 'the agent’s settings', response: { 200: agentSettingsSchema } };
const replaceSchema = {
  summary: 'replace the agent’s settings; fields left out get their defaults',
  body: agentSettingsSchema,
  response: { 200: agentSettingsSchema, ...errorResponses('VALIDATION_FAILED') },
};

/**
 * The calling tenant's agent settings: `GET` answers the stored settings (defaults when none
 * were saved), `PUT` replaces them; fields left out get their defaults.
 */
export async function agentSettingsRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/admin/agent', { schema: readSchema }, async (request) =>
    loadAgentSettings(db, tenantCaller(request).tenantId),
  );

  api.put('/admin/agent', { schema: replaceSchema }, async (request) => {
    const caller = tenantCaller(request);
    const { tenantId } = caller;
    const settings = request.body;
    const before = await loadAgentSettings(db, tenantId);
    await saveAgentSettings(db, tenantId, settings);
    const changed = (Object.keys(settings) as Array<keyof AgentSettings>).filter(
      (field) => JSON.stringify(settings[field]) !== JSON.stringify(before[field]),
    );
    // Field names, and the tool policy in full (tool names are no secret); never the prompt or FAQ text.
    await writeAudit(db, {
      tenantId,
      actor: actorOf(caller),
      action: 'agent.settings_changed',
      target: 'agent',
      details: { changed, enabledTools: settings.enabledTools, approvalRequired: settings.approvalRequired },
    });
    return settings;
  });
}
