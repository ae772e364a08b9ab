import type { ConnectorValues } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';
import type { Db } from '../store/index.ts';
import { createLlmAgent, type LlmAgentLogger, type ModelConnection } from './llm-agent.ts';
import { connectionOf } from './llm-connector.ts';
import { loadAgentSettings } from './settings.ts';
import type { ToolRegistry } from './tool-registry.ts';
import { handOver, type RequestHumanOptions } from './tools/request-human.ts';
import type { Agent } from './types.ts';

export interface TenantAgentOptions {
  db: Db;
  registry: ToolRegistry;
  /** The agent without a model, and the one used when no model is configured. */
  offline: Agent;
  /** The process-wide model (OPENAI_BASE_URL / OPENAI_API_KEY), when there is one. */
  defaultConnection: ModelConnection | undefined;
  /** The tenant's decrypted `llm` configuration. */
  loadLlmConfig(tenantId: string): Promise<ConnectorValues | undefined>;
  notifyStaff: RequestHumanOptions['notifyStaff'];
  logger: LlmAgentLogger;
  timeoutMs?: number;
  maxRetries?: number;
  /** For the process default, which the operator set; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** A tenant's own model server is a destination the tenant configured. */
  egress: Egress;
}

/**
 * The agent of the gateway: per turn it loads the tenant's settings and tools and answers
 * with the tenant's model (its `llm` connector, else the process default), or with the
 * offline agent when neither exists. Both call tools through the same registry.
 */
export function createTenantAgent(options: TenantAgentOptions): Agent {
  const { db, registry, offline, defaultConnection, loadLlmConfig, notifyStaff, logger } = options;
  return {
    async reply(input) {
      const tenantId = input.tenant.id;
      const settings = await loadAgentSettings(db, tenantId);
      const tools = input.conversationId
        ? await registry.forTurn(
            // One agent per tenant, so the tenant's id is the agent's opaque id in analytics.
            { tenantId, conversationId: input.conversationId, channel: input.channel, agentId: tenantId },
            settings.enabledTools,
          )
        : undefined;
      const stored = await loadLlmConfig(tenantId);
      const tenantConnection = stored && connectionOf(stored);
      const connection = tenantConnection || defaultConnection;
      const fetch = tenantConnection ? options.egress.fetch : options.fetch;
      const turn = { ...input, settings, ...(tools ? { tools } : {}) };
      if (!connection) return offline.reply(turn);
      const conversationId = input.conversationId;
      const agent = createLlmAgent({
        connection,
        logger,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
        ...(fetch ? { fetch } : {}),
        onFailure: async () => {
          if (conversationId)
            await handOver({ db, notifyStaff }, { tenantId, conversationId, reason: 'model_unavailable' });
        },
      });
      return agent.reply(turn);
    },
  };
}
