import type { Language } from '../../agent/language.ts';
import { buildSystemPrompt } from '../../agent/prompt.ts';
import type { AgentSettings } from '../../agent/settings.ts';
import type { TurnTools } from '../../agent/tool-registry.ts';
import type { VoiceSettings } from '../../channels/voice/config.ts';

/**
 * The realtime session for one call, in the GA event shape: μ-law 8 kHz both ways
 * (`audio/pcmu`, what Twilio sends and plays, so nothing is transcoded), server-side voice
 * activity detection that answers and lets the caller interrupt, transcripts of the
 * caller's speech, the agent's instructions and the turn's tools.
 */
export function sessionUpdate(options: {
  model: string;
  businessName: string;
  settings: AgentSettings;
  voice: VoiceSettings;
  tools: TurnTools;
}) {
  const language: Language = options.voice.language.toLowerCase().startsWith('de') ? 'de' : 'en';
  return {
    type: 'session.update',
    session: {
      type: 'realtime',
      model: options.model,
      output_modalities: ['audio'],
      instructions: buildSystemPrompt({
        businessName: options.businessName,
        channel: 'voice',
        settings: options.settings,
        language,
      }),
      audio: {
        input: {
          format: { type: 'audio/pcmu' },
          transcription: { model: 'gpt-4o-mini-transcribe', language },
          turn_detection: {
            type: 'server_vad',
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
            create_response: true,
            interrupt_response: true,
          },
        },
        output: {
          format: { type: 'audio/pcmu' },
          ...(options.voice.voice ? { voice: options.voice.voice } : {}),
        },
      },
      tools: options.tools.available.map((tool) => ({
        type: 'function',
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters,
      })),
      tool_choice: 'auto',
    },
  };
}
