import { z } from 'zod';

/** The Media Streams frames Twilio sends (channels.md §7); numbers arrive as strings. */
export const streamFrame = z.discriminatedUnion('event', [
  z.object({ event: z.literal('connected') }),
  z.object({
    event: z.literal('start'),
    streamSid: z.string().min(1).max(64),
    start: z.object({
      callSid: z.string().min(1).max(64),
      customParameters: z.record(z.string(), z.string()).optional(),
    }),
  }),
  z.object({ event: z.literal('media'), media: z.object({ payload: z.string().max(16_000) }) }),
  z.object({ event: z.literal('mark'), mark: z.object({ name: z.string().max(200) }) }),
  z.object({ event: z.literal('dtmf'), dtmf: z.object({ digit: z.string().max(8) }) }),
  z.object({ event: z.literal('stop') }),
]);

export type StreamFrame = z.infer<typeof streamFrame>;

/**
 * The realtime model's server events the bridge acts on (GA shape); every other event is
 * ignored. Only the fields used are checked.
 */
export const modelEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input_audio_buffer.speech_started') }),
  z.object({ type: z.literal('input_audio_buffer.speech_stopped') }),
  z.object({ type: z.literal('response.output_audio.delta'), item_id: z.string(), delta: z.string() }),
  z.object({
    type: z.literal('response.output_audio_transcript.done'),
    item_id: z.string(),
    transcript: z.string(),
  }),
  z.object({
    type: z.literal('conversation.item.input_audio_transcription.completed'),
    item_id: z.string(),
    transcript: z.string(),
  }),
  z.object({
    type: z.literal('response.function_call_arguments.done'),
    call_id: z.string(),
    name: z.string(),
    arguments: z.string(),
  }),
  z.object({ type: z.literal('response.done') }),
  z.object({
    type: z.literal('error'),
    error: z.object({ type: z.string().optional(), code: z.string().nullish() }).optional(),
  }),
]);

export type ModelEvent = z.infer<typeof modelEvent>;

/** Milliseconds of μ-law 8 kHz mono audio in a base64 payload: one byte is 1/8 ms. */
export function audioMs(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return ((base64.length / 4) * 3 - padding) / 8;
}
