import type { ToolCaller } from '../integrations/types.ts';
import type { AgentSettings } from './settings.ts';
import type { TurnTools } from './tool-registry.ts';

/** What the agent sees of a conversation when it writes a reply. */
export interface AgentInput {
  tenant: { id: string; name: string };
  /** The conversation being answered; tool calls are recorded against it. */
  conversationId?: string;
  channel: string;
  contact: { displayName: string | null; locale: string | null };
  /** Oldest first; the last entry is the message being answered. */
  transcript: TranscriptEntry[];
  /** The tenant's settings; defaults when left out. */
  settings?: AgentSettings;
  /** The tools this turn may call, already bound to tenant and conversation; none when left out. */
  tools?: TurnTools;
  /** Who the turn acts for; tools are scoped to it. A staff caller when left out. */
  caller?: ToolCaller;
  /** Stable across re-runs of the job that runs this turn (tool-call keys, token usage). */
  turnKey?: string;
  /**
   * Told each piece of the reply's text as the model writes it (a live call speaks it at
   * once); the finished reply is still returned. An agent that does not stream never calls it.
   */
  onText?(delta: string): void;
  /** Aborts the turn (a caller interrupted): the agent stops and returns what it has, with no fallback. */
  signal?: AbortSignal;
}

export interface TranscriptEntry {
  direction: 'inbound' | 'outbound';
  kind: string;
  text: string | null;
}

/** One tool call as staff see it in the transcript: never its arguments or its result. */
export interface ToolCallRecord {
  tool: string;
  success: boolean;
  itemsProcessed: number;
  durationMs: number;
  /**
   * Why it failed: an `integration_error` type, or `invalid_arguments` / `not_available` /
   * `budget_exceeded` (the turn's tool-call budget was spent).
   */
  errorType?: string;
  /** The call did not run: it waits as a pending action for a person's approval. */
  pendingApproval?: true;
}

export interface AgentReply {
  text: string;
  toolCalls: ToolCallRecord[];
}

/**
 * Anything that can answer a customer: the offline rules agent or an LLM with tools. It must
 * always produce a reply; failures are its own to turn into one.
 */
export interface Agent {
  reply(input: AgentInput): Promise<AgentReply>;
}
