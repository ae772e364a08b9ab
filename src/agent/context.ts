import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { TranscriptEntry } from './types.ts';

/** A rough token count (about four characters a token): good enough for a budget. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/** The longest single transcript message kept whole; longer ones are cut. */
const MAX_ENTRY_CHARS = 2_000;
/** The most transcript text handed to the model in one request, whatever the token budget. */
const MAX_TRANSCRIPT_CHARS = 16_000;

/** The tag that delimits what a customer wrote; the system prompt says what it means. */
export const customerTag = 'customer_message';

/**
 * A customer's text as data: inside `<customer_message>` tags, with any tag of that name in
 * the text itself defused, so a message cannot close the quote and speak as the system.
 */
export function quoteCustomer(text: string): string {
  const defused = text.replace(new RegExp(`<\\s*(/?)\\s*${customerTag}`, 'gi'), '‹$1customer-message');
  return `<${customerTag}>\n${defused}\n</${customerTag}>`;
}

/**
 * The conversation as chat messages within a token budget (and at most 16,000 characters):
 * the system prompt always, then as many of the latest turns as fit, newest kept, oldest
 * dropped. The message being answered is always kept, cut if it alone is too long. What
 * customers wrote is quoted as data (`quoteCustomer`).
 */
export function buildChatContext(
  systemPrompt: string,
  transcript: readonly TranscriptEntry[],
  budgetTokens: number,
): ChatCompletionMessageParam[] {
  let remaining = budgetTokens - estimateTokens(systemPrompt);
  let characters = MAX_TRANSCRIPT_CHARS;
  const kept: ChatCompletionMessageParam[] = [];
  for (let index = transcript.length - 1; index >= 0; index -= 1) {
    const entry = transcript[index]!;
    const raw = entry.text ?? (entry.kind === 'text' ? '' : `[${entry.kind}]`);
    if (raw === '') continue;
    const cut = raw.length > MAX_ENTRY_CHARS ? `${raw.slice(0, MAX_ENTRY_CHARS)} […]` : raw;
    const text = entry.direction === 'inbound' ? quoteCustomer(cut) : cut;
    const cost = estimateTokens(text);
    if ((cost > remaining || text.length > characters) && kept.length > 0) break;
    remaining -= cost;
    characters -= text.length;
    kept.unshift(
      entry.direction === 'inbound' ? { role: 'user', content: text } : { role: 'assistant', content: text },
    );
  }
  // A conversation must not open with the agent's own words: some servers refuse that.
  while (kept[0]?.role === 'assistant') kept.shift();
  return [{ role: 'system', content: systemPrompt }, ...kept];
}
