import type { Clock } from '../core/clock.ts';
import type { ConnectorValues } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';
import type { Db } from '../store/index.ts';
import { createLlmAgent, type LlmAgentLogger, type ModelConnection } from './llm-agent.ts';
import { connectionOf } from './llm-connector.ts';
import { loadAgentSettings } from './settings.ts';
import { claimDailyNotice, recordTurnUsage, type TokenCount, tokensSpent, utcDay } from './token-usage.ts';
import type { ToolRegistry } from './tool-registry.ts';
import { handOver, type RequestHumanOptions } from './tools/request-human.ts';
import type { Agent, AgentInput } from './types.ts';

/** The model tokens of one completion, with the tenant that spent them. */
export interface TenantTokenUsage extends TokenCount {
  tenantId: string;
}

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
  clock: Clock;
  /** Model tokens a tenant may spend per UTC day unless its settings say otherwise (AGENT_DAILY_TOKENS). */
  dailyTokenLimit: number;
  /** Told about every completion's tokens (for metrics); never slows or fails a turn. */
  onUsage?(usage: TenantTokenUsage): void;
  timeoutMs?: number;
  maxRetries?: number;
  /** For the process default, which the operator set; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** A tenant's own model server is a destination the tenant configured. */
  egress: Egress;
}

/** Why staff are told once a day that the agent fell back to the offline agent. */
const BUDGET_NOTICE = 'token_budget_exhausted';

/**
 * The agent of the gateway: per turn it loads the tenant's settings and tools and answers
 * with the tenant's model (its `llm` connector, else the process default), or with the
 * offline agent when neither exists or the tenant's daily token budget is spent (then staff
 * are told once that day). Both call tools through the same registry, scoped to the turn's
 * caller. The tokens of every turn are recorded per turn and counted per tenant and day.
 */
export function createTenantAgent(options: TenantAgentOptions): Agent {
  const { db, registry, offline, defaultConnection, loadLlmConfig, notifyStaff, logger, clock } = options;

  /** True when the budget is spent; tells staff the first time each day. */
  async function budgetSpent(input: AgentInput, limit: number): Promise<boolean> {
    const tenantId = input.tenant.id;
    const day = utcDay(new Date(clock.now()));
    if ((await tokensSpent(db, tenantId, day)) < limit) return false;
    const conversationId = input.conversationId;
    if (conversationId && (await claimDailyNotice(db, tenantId, day, BUDGET_NOTICE))) {
      await db.$transaction((tx) =>
        notifyStaff(tx, { tenantId, conversationId, channel: input.channel, reason: BUDGET_NOTICE }),
      );
    }
    return true;
  }

  return {
    async reply(input) {
      const tenantId = input.tenant.id;
      // The respond job read them with its message: one statement fewer per turn.
      const settings = input.settings ?? (await loadAgentSettings(db, tenantId));
      const tools = input.conversationId
        ? await registry.forTurn(
            {
              tenantId,
              conversationId: input.conversationId,
              channel: input.channel,
              // One agent per tenant, so the tenant's id is the agent's opaque id in analytics.
              agentId: tenantId,
              ...(input.caller ? { caller: input.caller } : {}),
              ...(input.turnKey ? { turnKey: input.turnKey } : {}),
            },
            settings.enabledTools,
            {
              approvalRequired: settings.approvalRequired,
              maxToolCalls: settings.maxToolCalls,
              toolProviders: settings.toolProviders,
            },
          )
        : undefined;
      const stored = await loadLlmConfig(tenantId);
      const own = stored && connectionOf(stored);
      const connection = own || defaultConnection;
      const fetch = own ? options.egress.fetch : options.fetch;
      const turn = { ...input, settings, ...(tools ? { tools } : {}) };
      if (!connection) return offline.reply(turn);
      // The platform's model is shared: its limit holds even when a tenant asks for more.
      const limit = own
        ? (settings.dailyTokenLimit ?? options.dailyTokenLimit)
        : Math.min(settings.dailyTokenLimit ?? options.dailyTokenLimit, options.dailyTokenLimit);
      if (await budgetSpent(input, limit)) return offline.reply(turn);

      const conversationId = input.conversationId;
      const spent: TokenCount = {
        model: settings.model ?? connection.model,
        promptTokens: 0,
        completionTokens: 0,
      };
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
        onUsage: (usage) => {
          spent.promptTokens += usage.promptTokens;
          spent.completionTokens += usage.completionTokens;
          try {
            options.onUsage?.({ tenantId, ...usage });
          } catch (error) {
            logger.warn({ error: (error as Error).name }, 'a token usage listener failed');
          }
        },
      });
      try {
        return await agent.reply(turn);
      } finally {
        if (spent.promptTokens + spent.completionTokens > 0) {
          await recordTurnUsage(
            db,
            {
              tenantId,
              conversationId,
              turnKey: input.turnKey ?? conversationId ?? tenantId,
              at: new Date(clock.now()),
            },
            spent,
          );
        }
      }
    },
  };
}
