import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Db } from '../store/index.ts';

/** One business fact or FAQ entry the agent may answer from. */
export const faqEntrySchema = z.strictObject({
  question: z.string().trim().min(1).max(500),
  answer: z.string().trim().min(1).max(2_000),
});

const toolNames = z.array(z.string().regex(/^[a-z][a-z_]{0,39}$/)).max(50);

/** Customer-scoped tools only; staff tools (the business inbox, its calendar) are opt-in. */
const defaultEnabledTools = [
  'request_human',
  'read_emails',
  'send_email',
  'find_free_slots',
  'book_appointment',
  'list_my_appointments',
  'cancel_my_appointment',
] as const;

/** A tenant's agent settings as `PUT /admin/agent` accepts them; every field has a default. */
export const agentSettingsSchema = z.strictObject({
  systemPrompt: z.string().max(8_000).default(''),
  faq: z.array(faqEntrySchema).max(200).default([]),
  /** `auto` answers in the customer's language. */
  language: z.enum(['auto', 'de', 'en']).default('auto'),
  /**
   * Tool names the agent may call; a tool still needs its connector configured, and a
   * customer conversation is offered only customer-scoped tools. The default enables no
   * staff tool: a tenant turns on what it wants the agent to do.
   */
  enabledTools: toolNames.default([...defaultEnabledTools]),
  /** Tools whose calls wait for a person: each becomes a pending action (`/admin/actions`). */
  approvalRequired: toolNames.default([]),
  /** Overrides the model of the `llm` connector or OPENAI_MODEL. */
  model: z.string().trim().min(1).max(200).nullable().default(null),
  temperature: z.number().min(0).max(2).default(0.3),
  /** Per turn: model requests that may ask for tools, then the model must answer in text. */
  maxToolRounds: z.int().min(0).max(10).default(4),
  /** Per turn: tool calls over all rounds; further calls are refused (the model is told). */
  maxToolCalls: z.int().min(0).max(50).default(8),
  /** Per model request: `max_tokens`, the longest answer the model may write. */
  maxTokens: z.int().min(16).max(16_000).default(1_000),
  /** Per turn: wall-clock seconds for all model requests and tools together. */
  turnTimeoutSeconds: z.int().min(5).max(300).default(60),
  /**
   * Per contact: `once` answers a burst of messages once (a message with a newer one behind
   * it gets no reply of its own; the newest one's turn sees them all); `each` answers every
   * message.
   */
  burstReplies: z.enum(['once', 'each']).default('once'),
  /** Per contact: agent replies within an hour; past it the conversation goes to staff. */
  maxRepliesPerContactHour: z.int().min(1).max(1_000).default(30),
  /**
   * Per tenant: model tokens (prompt and completion) per UTC day; null takes the gateway's
   * AGENT_DAILY_TOKENS. When spent, the offline agent answers and staff are told once.
   */
  dailyTokenLimit: z.int().min(0).max(100_000_000).nullable().default(null),
  /**
   * Which connector the agent's mail, calendar and file tools use when the tenant connected
   * several (IMAP and Gmail both offer `read_emails`); without a choice, IMAP and CalDAV
   * come first, then Google, then Microsoft.
   */
  toolProviders: z
    .strictObject({
      mail: z.enum(['imap', 'google', 'microsoft']).optional(),
      calendar: z.enum(['caldav', 'google', 'microsoft']).optional(),
      files: z.enum(['google', 'microsoft']).optional(),
    })
    .default({}),
});

export type AgentSettings = z.infer<typeof agentSettingsSchema>;

/** The settings of a tenant that saved none. */
export const defaultAgentSettings: AgentSettings = agentSettingsSchema.parse({});

/**
 * A tenant's settings. Stored settings are re-read through the schema, so a field added
 * later gets its default and a value that no longer validates falls back to the defaults.
 */
export async function loadAgentSettings(db: Db, tenantId: string): Promise<AgentSettings> {
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { agentSettings: true } });
  return parseAgentSettings(tenant?.agentSettings ?? null);
}

/** Settings from the tenant's stored column (for a caller that read the tenant row already). */
export function parseAgentSettings(column: string | null): AgentSettings {
  if (!column) return defaultAgentSettings;
  let settings = parsedSettings.get(column);
  if (settings === undefined) {
    settings = parseSettingsColumn(column);
    parsedSettings.set(column, settings);
  }
  return settings;
}

// Every reply reads its tenant's settings; parsing and checking them again each time cost
// about 0.05 ms. Keyed by the stored text, so a change of settings is a new entry.
const parsedSettings = new LRUCache<string, AgentSettings>({ max: 1_000 });

function parseSettingsColumn(column: string): AgentSettings {
  let stored: unknown;
  try {
    stored = JSON.parse(column);
  } catch {
    return defaultAgentSettings;
  }
  const parsed = agentSettingsSchema.safeParse(stored);
  return parsed.success ? parsed.data : defaultAgentSettings;
}

/** Stores a tenant's settings, already validated. */
export async function saveAgentSettings(db: Db, tenantId: string, settings: AgentSettings): Promise<void> {
  await db.tenant.update({ where: { id: tenantId }, data: { agentSettings: JSON.stringify(settings) } });
}
