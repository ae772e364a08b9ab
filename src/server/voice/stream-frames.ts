import { z } from 'zod';

const MAX_PAYLOAD = 16_000;
const MAX_MARK_NAME = 200;

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
  z.object({ event: z.literal('media'), media: z.object({ payload: z.string().max(MAX_PAYLOAD) }) }),
  z.object({ event: z.literal('mark'), mark: z.object({ name: z.string().max(MAX_MARK_NAME) }) }),
  z.object({ event: z.literal('dtmf'), dtmf: z.object({ digit: z.string().max(8) }) }),
  z.object({ event: z.literal('stop') }),
]);

export type StreamFrame = z.infer<typeof streamFrame>;

/** Parses a socket message as JSON; undefined when it is not. */
function parseJson(data: unknown): unknown {
  try {
    return JSON.parse(String(data));
  } catch {
    return undefined;
  }
}

/**
 * Reads one Twilio message. `media` and `mark` frames, fifty and more a second per call, are
 * checked by hand for the fields the bridge uses (as the schema would check them); the
 * rest go through the schema. Undefined when it is not a Media Streams frame.
 */
export function readStreamFrame(data: unknown): StreamFrame | undefined {
  const value = parseJson(data) as {
    event?: unknown;
    media?: { payload?: unknown };
    mark?: { name?: unknown };
  };
  if (value?.event === 'media') {
    const payload = value.media?.payload;
    if (typeof payload === 'string' && payload.length <= MAX_PAYLOAD)
      return { event: 'media', media: { payload } };
  } else if (value?.event === 'mark') {
    const name = value.mark?.name;
    if (typeof name === 'string' && name.length <= MAX_MARK_NAME) return { event: 'mark', mark: { name } };
  }
  const parsed = streamFrame.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

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
  z.object({
    type: z.literal('response.done'),
    response: z.object({ output: z.array(z.object({ type: z.string() })).optional() }).optional(),
  }),
  z.object({
    type: z.literal('error'),
    error: z.object({ type: z.string().optional(), code: z.string().nullish() }).optional(),
  }),
]);

export type ModelEvent = z.infer<typeof modelEvent>;

/**
 * Reads one event of the realtime model. An audio delta, one per few tens of milliseconds
 * of the answer, is checked by hand; the rest go through the schema. Undefined for events
 * the bridge does not act on.
 */
export function readModelEvent(data: unknown): ModelEvent | undefined {
  const value = parseJson(data) as { type?: unknown; item_id?: unknown; delta?: unknown };
  if (
    value?.type === 'response.output_audio.delta' &&
    typeof value.item_id === 'string' &&
    typeof value.delta === 'string'
  ) {
    return { type: value.type, item_id: value.item_id, delta: value.delta };
  }
  const parsed = modelEvent.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Milliseconds of μ-law 8 kHz mono audio in a base64 payload: one byte is 1/8 ms. */
export function audioMs(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return ((base64.length / 4) * 3 - padding) / 8;
}
