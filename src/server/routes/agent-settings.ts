import type { FastifyInstance } from 'fastify';
import { agentSettingsSchema, loadAgentSettings, saveAgentSettings } from '../../agent/settings.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import { parseInput } from '../validate.ts';

/**
 * The calling tenant's agent settings: `GET` answers the stored settings (defaults when none
 * were saved), `PUT` replaces them; fields left out get their defaults.
 */
export async function agentSettingsRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;

  app.get('/admin/agent', async (request) => loadAgentSettings(db, tenantCaller(request).tenantId));

  app.put('/admin/agent', async (request) => {
    const { tenantId } = tenantCaller(request);
    const settings = parseInput(agentSettingsSchema, request.body ?? {}, 'body');
    await saveAgentSettings(db, tenantId, settings);
    return settings;
  });
}
