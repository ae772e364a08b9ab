import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventProperties, TrackedEvent } from '../analytics/catalog.ts';
import type { Tracker } from '../analytics/tracker.ts';
import type { Clock } from '../core/clock.ts';
import { NETWORK_ERROR_CODES } from '../core/connection-failure.ts';
import type { ConnectorValues } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';
import {
  type Tool,
  type ToolCaller,
  ToolError,
  type ToolErrorType,
  type ToolResult,
} from '../integrations/types.ts';
import type { Db } from '../store/index.ts';
import { createPendingAction } from './pending-actions.ts';
import { beginCall, finishCall, type StoredOutcome } from './tool-calls.ts';
import type { ToolCallRecord } from './types.ts';

/** A tool as the model is shown it: the JSON schema of its arguments, nothing to run. */
export interface ToolDescription {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** What one call came to: the text the model (or the offline agent) reads, and the record. */
export interface ToolOutcome {
  ok: boolean;
  content: string;
  record: ToolCallRecord;
}

/** Where a call sits in its turn: the model request (round) and its place in that request. */
export interface CallPosition {
  round: number;
  index: number;
}

/** The tools one turn may call, bound to its tenant and conversation. */
export interface TurnTools {
  available: ToolDescription[];
  /**
   * Validates, runs, records and tracks one call; never throws for the tool's failures.
   * `at` makes the call's key (turn key, round, index); without it the call is the next of
   * round 0, which suits an agent that makes one round of calls (the offline agent).
   */
  run(name: string, input: unknown, at?: CallPosition): Promise<ToolOutcome>;
  /** Every call of this turn so far, in order. */
  calls: ToolCallRecord[];
}

/** Who a turn acts for: the tenant, its conversation, and the opaque id of the tenant's agent. */
export interface TurnScope {
  tenantId: string;
  conversationId: string;
  channel: string;
  agentId: string;
  /** Who the turn acts for; a staff caller when left out. */
  caller?: ToolCaller;
  /**
   * Stable across re-runs of the job that runs this turn; call keys are derived from it.
   * Left out, the turn gets a random key: nothing to find again on a re-run.
   */
  turnKey?: string;
}

/** What a turn may do with its tools beyond which ones are enabled. */
export interface TurnLimits {
  /** Tools whose calls become pending actions for a person to approve. */
  approvalRequired?: readonly string[];
  /** Calls the turn may make in all; later ones are refused and recorded as such. */
  maxToolCalls?: number;
  /** The tenant's chosen providers, when the caller has its settings at hand (else `loadProviders`). */
  toolProviders?: Partial<Record<string, string>>;
}

const staffCaller: ToolCaller = { kind: 'staff', contactId: null, emails: [], phones: [], verified: true };

export interface ToolRegistryOptions {
  db: Db;
  /** Handed to every tool run: the only way to a destination the tenant configured. */
  egress: Egress;
  tracker: Pick<Tracker, 'trackInTransaction'>;
  clock: Clock;
  tools: Tool[];
  /** The tenant's decrypted configuration of a connector, or undefined when none is stored. */
  loadConfig(tenantId: string, connectorId: string): Promise<ConnectorValues | undefined>;
  /**
   * Which connector serves what a tool reads (`mail`, `calendar`, `files`) when the tenant
   * configured several with a tool of the same name (IMAP and Gmail both have `read_emails`).
   * Without a choice the first registered tool wins.
   */
  loadProviders?(tenantId: string): Promise<Partial<Record<string, string>>>;
  /** Longest time one call may take. */
  timeoutMs?: number;
  /** Longest tool result handed on; longer ones are cut, so one inbox cannot fill the context. */
  maxResultChars?: number;
  /** Told of each new pending action (a call waiting for approval), after it is stored; staff see it live. */
  onActionPending?(action: { tenantId: string; conversationId: string; actionId: string }): Promise<void>;
}

export interface ToolRegistry {
  /** Every registered tool by name. */
  tools: ReadonlyMap<string, Tool>;
  /**
   * The enabled tools whose connector the tenant configured and whose audience fits the
   * caller (a customer gets customer-scoped tools only), ready to run for one turn.
   */
  forTurn(scope: TurnScope, enabled: readonly string[], limits?: TurnLimits): Promise<TurnTools>;
}

/**
 * The `error_type` of a failure that is not a `ToolError`: a timeout or a socket that could
 * not connect is the network's fault, anything else the server's.
 */
export function classifyToolFailure(error: unknown, timedOut: boolean): ToolErrorType {
  if (error instanceof ToolError) return error.errorType;
  if (timedOut) return 'network_error';
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return 'network_error';
    if (cause.name === 'AbortError' || cause.name === 'TimeoutError') return 'network_error';
    cause = cause.cause;
  }
  return 'server_error';
}

/** The JSON schema of a tool's arguments, as Chat Completions wants `parameters`. */
export function describeTool(tool: Tool): ToolDescription {
  return { name: tool.name, description: tool.description, parameters: parametersOf(tool.inputSchema) };
}

// A tool's schema is fixed, and converting it cost a few hundred microseconds on every turn.
const parameterSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

function parametersOf(schema: z.ZodType): Record<string, unknown> {
  let parameters = parameterSchemas.get(schema);
  if (parameters === undefined) {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
    parameters = Object.freeze(rest);
    parameterSchemas.set(schema, parameters);
  }
  return parameters;
}

/** Problem paths and messages of invalid arguments, for the model to correct itself. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** A call's record with the HTTP status of a failure, which only analytics keeps. */
type FailedOrNot = ToolCallRecord & { httpStatus?: number | null };

/** Failures of the turn's own making: recorded for staff, never integration usage in analytics. */
const NOT_USAGE = new Set(['invalid_arguments', 'not_available', 'budget_exceeded']);

class CallTimedOut extends Error {
  override readonly name = 'CallTimedOut';
}

/** Runs `work` with an abort signal; rejects when the time is up even if `work` ignores it. */
async function withTimeout<Result>(timeoutMs: number, work: (signal: AbortSignal) => Promise<Result>) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new CallTimedOut(`no result within ${timeoutMs} ms`));
      reject(controller.signal.reason);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The tool registry. Every call goes through it: arguments validated against the tool's
 * schema, a time limit, and one transaction that stores the call in the transcript (for
 * staff) together with its analytics events: `integration_used_in_chat` for every call of an
 * integration's tool, `integration_data_fetched` for a successful read, `integration_error`
 * for a failure. Neither the transcript row nor the events hold arguments or results.
 */
export function createToolRegistry(options: ToolRegistryOptions): ToolRegistry {
  const { db, tracker, tools: list, loadConfig } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxResultChars = options.maxResultChars ?? 4_000;
  // Several connectors may offer a tool of one name; `tools` shows the first registered.
  const byName = new Map<string, Tool[]>();
  for (const tool of list) byName.set(tool.name, [...(byName.get(tool.name) ?? []), tool]);
  const tools = new Map([...byName].map(([name, candidates]) => [name, candidates[0]!]));

  /**
   * Whether an earlier call of this tool in the conversation succeeded: then this fetch is a
   * refresh of data the conversation already had (`is_refresh`), not its initial load.
   */
  async function fetchedBefore(scope: TurnScope, tool: Tool): Promise<boolean> {
    const earlier = await db.message.count({
      where: {
        tenantId: scope.tenantId,
        conversationId: scope.conversationId,
        kind: 'tool_call',
        text: { startsWith: `${tool.name}: success` },
      },
    });
    return earlier > 0;
  }

  /**
   * Stores the call in the transcript with its analytics events and, for a keyed call, its
   * outcome: all in one transaction, so a re-run never finds the one without the other.
   */
  async function record(
    scope: TurnScope,
    tool: Tool | undefined,
    call: FailedOrNot,
    keyed?: { callKey: string; outcome: StoredOutcome },
    recovered?: ToolResult['recovered'],
  ): Promise<void> {
    const events: TrackedEvent[] = [];
    // Only integrations' tools are integration usage; the agent's own (request_human) are
    // not, and neither is a call that never ran or only waits for approval.
    if (tool?.connectorId && !NOT_USAGE.has(call.errorType ?? '') && !call.pendingApproval) {
      const { tenantId } = scope;
      // The tool's declared names; the tracker checks them against the catalog's enums and
      // drops (and logs) an event whose names a tool got wrong, never the transcript row.
      type Chat = EventProperties<'integration_used_in_chat'>;
      const provider = tool.provider as Chat['provider'];
      const service = tool.service as Chat['service'];
      events.push({
        tenantId,
        event: 'integration_used_in_chat',
        properties: {
          chat_id: scope.conversationId,
          agent_id: scope.agentId,
          provider,
          service,
          action_type: tool.actionType as Chat['action_type'],
          success: call.success,
          items_processed: call.itemsProcessed,
        },
      });
      const failure = (errorType: ToolErrorType, httpStatus: number | null, autoRecovered: boolean) =>
        events.push({
          tenantId,
          event: 'integration_error',
          properties: {
            provider,
            service,
            error_type: errorType,
            http_status: httpStatus,
            operation: tool.actionType,
            auto_recovered: autoRecovered,
          },
        });
      // A failure the tool recovered from by itself (a refreshed token) is still an error event.
      if (recovered) failure(recovered.errorType, recovered.httpStatus, true);
      if (call.success && tool.dataType) {
        events.push({
          tenantId,
          event: 'integration_data_fetched',
          properties: {
            provider,
            service,
            data_type: tool.dataType as EventProperties<'integration_data_fetched'>['data_type'],
            item_count: call.itemsProcessed,
            fetch_duration_ms: call.durationMs,
            is_refresh: await fetchedBefore(scope, tool),
          },
        });
      }
      if (!call.success) failure(call.errorType as ToolErrorType, call.httpStatus ?? null, false);
    }
    const result = call.pendingApproval
      ? 'waiting for approval'
      : call.success
        ? 'success'
        : `failed (${call.errorType})`;
    const summary = `${call.tool}: ${result}, ${call.itemsProcessed} items, ${call.durationMs} ms`;
    const { httpStatus: _status, ...stored } = call;
    await db.$transaction(async (tx) => {
      await tx.message.create({
        data: {
          tenantId: scope.tenantId,
          conversationId: scope.conversationId,
          channel: scope.channel,
          // `internal` rows are for staff: the respond job leaves them out of what channels send.
          direction: 'internal',
          kind: 'tool_call',
          text: summary,
          parts: JSON.stringify([{ type: 'tool_call', ...stored }]),
          status: 'recorded',
        },
      });
      if (events.length > 0) await tracker.trackInTransaction(tx, events);
      if (keyed) await finishCall(tx, { tenantId: scope.tenantId, callKey: keyed.callKey }, keyed.outcome);
    });
  }

  return {
    tools,
    async forTurn(scope, enabled, limits = {}) {
      const caller = scope.caller ?? staffCaller;
      const approvalRequired = new Set(limits.approvalRequired ?? []);
      const maxToolCalls = limits.maxToolCalls ?? Number.POSITIVE_INFINITY;
      const configs = new Map<string, ConnectorValues>();
      const available: Tool[] = [];
      const providers = limits.toolProviders ?? (await options.loadProviders?.(scope.tenantId)) ?? {};
      for (const name of enabled) {
        const usable: Tool[] = [];
        for (const tool of byName.get(name) ?? []) {
          // A customer never sees a staff tool, whatever the tenant enabled.
          if (caller.kind === 'customer' && tool.audience !== 'customer') continue;
          if (tool.connectorId) {
            const config =
              configs.get(tool.connectorId) ?? (await loadConfig(scope.tenantId, tool.connectorId));
            if (!config) continue;
            configs.set(tool.connectorId, config);
          }
          usable.push(tool);
        }
        const chosen =
          usable.find((tool) => tool.reads.some((kind) => providers[kind] === tool.connectorId)) ?? usable[0];
        if (chosen) available.push(chosen);
      }
      const calls: ToolCallRecord[] = [];
      // Without a stable key from the job the turn's calls are keyed to this turn alone.
      const turnKey = scope.turnKey ?? `turn:${randomUUID()}`;

      async function finish(
        tool: Tool | undefined,
        call: FailedOrNot,
        content: string,
        callKey?: string,
        recovered?: ToolResult['recovered'],
      ): Promise<ToolOutcome> {
        const { httpStatus: _status, ...kept } = call;
        const outcome = { ok: call.success, content, record: kept };
        await record(scope, tool, call, callKey ? { callKey, outcome } : undefined, recovered);
        calls.push(kept);
        return outcome;
      }

      /** Runs the tool itself, within its time limit; failures become a recorded outcome. */
      async function execute(tool: Tool, input: unknown, callKey: string): Promise<ToolOutcome> {
        const keyed = tool.sideEffect || approvalRequired.has(tool.name) ? callKey : undefined;
        if (approvalRequired.has(tool.name)) {
          const actionId = await createPendingAction(db, {
            tenantId: scope.tenantId,
            conversationId: scope.conversationId,
            callKey,
            tool: tool.name,
            input,
          });
          // Best effort: telling staff live never changes what the call came to.
          if (actionId)
            await options
              .onActionPending?.({ tenantId: scope.tenantId, conversationId: scope.conversationId, actionId })
              .catch(() => undefined);
          return finish(
            tool,
            { tool: tool.name, success: true, itemsProcessed: 0, durationMs: 0, pendingApproval: true },
            'pending: a member of staff must approve this before it happens. Tell the customer that a person will confirm it; do not say it is done.',
            keyed,
          );
        }
        const started = performance.now();
        const elapsed = () => Math.round(performance.now() - started);
        try {
          const result = await withTimeout(timeoutMs, (signal) =>
            tool.run(input, {
              tenantId: scope.tenantId,
              conversationId: scope.conversationId,
              caller,
              idempotencyKey: callKey,
              egress: options.egress,
              config: tool.connectorId ? (configs.get(tool.connectorId) ?? {}) : {},
              signal,
              now: () => new Date(options.clock.now()),
            }),
          );
          const content =
            result.content.length > maxResultChars
              ? `${result.content.slice(0, maxResultChars)}\n[cut: the result was longer]`
              : result.content;
          return finish(
            tool,
            { tool: tool.name, success: true, itemsProcessed: result.itemsProcessed, durationMs: elapsed() },
            content,
            keyed,
            result.recovered,
          );
        } catch (error) {
          const errorType = classifyToolFailure(error, error instanceof CallTimedOut);
          const httpStatus = error instanceof ToolError ? error.httpStatus : null;
          return finish(
            tool,
            {
              tool: tool.name,
              success: false,
              itemsProcessed: 0,
              durationMs: elapsed(),
              errorType,
              httpStatus,
            },
            `error: the tool failed (${errorType})`,
            keyed,
          );
        }
      }

      return {
        available: available.map(describeTool),
        calls,
        async run(name, input, at) {
          const position = at ?? { round: 0, index: calls.length };
          const callKey = `${turnKey}:${position.round}:${position.index}`;
          const tool = available.find((candidate) => candidate.name === name);
          const failed = { tool: name, success: false, itemsProcessed: 0, durationMs: 0 };
          if (!tool) {
            return finish(
              undefined,
              { ...failed, errorType: 'not_available' },
              `error: there is no tool "${name}"`,
            );
          }
          if (calls.length >= maxToolCalls) {
            return finish(
              tool,
              { ...failed, errorType: 'budget_exceeded' },
              'error: no more tool calls in this turn; answer with what you have',
            );
          }
          const parsed = tool.inputSchema.safeParse(input);
          if (!parsed.success) {
            return finish(
              tool,
              { ...failed, errorType: 'invalid_arguments' },
              `error: invalid arguments: ${describeIssues(parsed.error)}`,
            );
          }
          if (tool.sideEffect || approvalRequired.has(tool.name)) {
            const done = await beginCall(db, {
              tenantId: scope.tenantId,
              conversationId: scope.conversationId,
              callKey,
              tool: name,
            });
            if (done) {
              // A re-run of a finished call: its outcome, not a second effect.
              calls.push(done.record);
              return done;
            }
          }
          return execute(tool, parsed.data, callKey);
        },
      };
    },
  };
}
