import { z } from 'zod';
import type { Db } from '../store/index.ts';

/** One business fact or FAQ entry the agent may answer from. */
export const faqEntrySchema = z.strictObject({
  question: z.string().trim().min(1).max(500),
  answer: z.string().trim().min(1).max(2_000),
});

/** A tenant's agent settings as `PUT /admin/agent` accepts them; every field has a default. */
export const agentSettingsSchema = z.strictObject({
  systemPrompt: z.string().max(8_000).default(''),
  faq: z.array(faqEntrySchema).max(200).default([]),
  /** `auto` answers in the customer's language. */
  language: z.enum(['auto', 'de', 'en']).default('auto'),
  /** Tool names the agent may call; a tool still needs its connector configured. */
  enabledTools: z
    .array(z.string().regex(/^[a-z][a-z_]{0,39}$/))
    .max(50)
    .default(['read_emails', 'send_email', 'read_calendar', 'create_event', 'request_human']),
  /** Overrides the model of the `llm` connector or OPENAI_MODEL. */
  model: z.string().trim().min(1).max(200).nullable().default(null),
  temperature: z.number().min(0).max(2).default(0.3),
  maxToolRounds: z.int().min(0).max(10).default(4),
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
  if (!tenant?.agentSettings) return defaultAgentSettings;
  let stored: unknown;
  try {
    stored = JSON.parse(tenant.agentSettings);
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
