/** What the agent sees of a conversation when it writes a reply. */
export interface AgentInput {
  tenant: { id: string; name: string };
  channel: string;
  contact: { displayName: string | null; locale: string | null };
  /** Oldest first; the last entry is the message being answered. */
  transcript: TranscriptEntry[];
}

export interface TranscriptEntry {
  direction: 'inbound' | 'outbound';
  kind: string;
  text: string | null;
}

export interface ToolCallRecord {
  tool: string;
  success: boolean;
  itemsProcessed: number;
  durationMs: number;
}

export interface AgentReply {
  text: string;
  toolCalls: ToolCallRecord[];
}

/**
 * Anything that can answer a customer: the offline rules agent today, an LLM with tools
 * later. It must always produce a reply; failures are its own to turn into one.
 */
export interface Agent {
  reply(input: AgentInput): Promise<AgentReply>;
}
