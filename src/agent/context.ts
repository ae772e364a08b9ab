import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { TranscriptEntry } from './types.ts';

/** A rough token count (about four characters a token): good enough for a budget. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/** The longest single transcript message kept whole; longer ones are cut. */
const MAX_ENTRY_CHARS = 2_000;

/**
 * The conversation as chat messages within a token budget: the system prompt always, then
 * as many of the latest turns as fit, newest kept, oldest dropped. The message being answered
 * is always kept, cut if it alone is too long.
 */
export function buildChatContext(
  systemPrompt: string,
  transcript: readonly TranscriptEntry[],
  budgetTokens: number,
): ChatCompletionMessageParam[] {
  let remaining = budgetTokens - estimateTokens(systemPrompt);
  const kept: ChatCompletionMessageParam[] = [];
  for (let index = transcript.length - 1; index >= 0; index -= 1) {
    const entry = transcript[index]!;
    const raw = entry.text ?? (entry.kind === 'text' ? '' : `[${entry.kind}]`);
    if (raw === '') continue;
    const text = raw.length > MAX_ENTRY_CHARS ? `${raw.slice(0, MAX_ENTRY_CHARS)} […]` : raw;
    const cost = estimateTokens(text);
    if (cost > remaining && kept.length > 0) break;
    remaining -= cost;
    kept.unshift(
      entry.direction === 'inbound' ? { role: 'user', content: text } : { role: 'assistant', content: text },
    );
  }
  // A conversation must not open with the agent's own words: some servers refuse that.
  while (kept[0]?.role === 'assistant') kept.shift();
  return [{ role: 'system', content: systemPrompt }, ...kept];
}
