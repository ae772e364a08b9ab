import { z } from 'zod';

/** The frames ConversationRelay sends (channels.md §7); anything else closes the session. */
export const relayFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('setup'),
    callSid: z.string().min(1).max(64),
    customParameters: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ type: z.literal('prompt'), voicePrompt: z.string().max(10_000), last: z.boolean().optional() }),
  z.object({
    type: z.literal('interrupt'),
    utteranceUntilInterrupt: z.string().max(10_000).optional(),
    durationUntilInterruptMs: z.number().optional(),
  }),
  z.object({ type: z.literal('dtmf'), digit: z.string().max(8) }),
  z.object({ type: z.literal('error'), description: z.string().max(10_000).optional() }),
]);

export type RelayFrame = z.infer<typeof relayFrame>;

/** Reads one socket message as a frame of `schema`; undefined when it is not JSON or not such a frame. */
export function readFrame<T>(schema: z.ZodType<T>, data: unknown): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(String(data)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits a reply into sentences, each with its trailing space, so speech can start on the
 * first while the rest is queued.
 */
export function sentences(text: string): string[] {
  return (text.match(/[^.!?\n]+(?:[.!?]+|\n|$)\s*/g) ?? [])
    .map((part) => part.replace(/\s+$/, ' '))
    .filter((part) => part.trim() !== '');
}
