import { AppError } from '../../core/errors.ts';
import { verifySmsRequest } from '../sms/verify.ts';
import type { ChannelAdapter } from '../types.ts';
import { prepareVoiceConfig, voiceConnector } from './config.ts';
import { checkVoiceConnection } from './setup.ts';

/**
 * Phone calls through Twilio Voice. A call is a live session, not a stream of webhooks:
 * it arrives at `/voice/incoming/<slug>` and is answered on a WebSocket (`server/voice/`),
 * which writes the transcript as messages. So this adapter sends nothing and the generic
 * webhook route has nothing to parse; it exists for the connector, the registry and the
 * respond job, which it tells to stay silent (the call itself answers).
 */
export const voiceAdapter: ChannelAdapter = {
  id: 'voice',
  connector: voiceConnector,
  // One or two spoken sentences (the agent's voice style).
  maxTextLength: 320,
  contentTypes: ['application/x-www-form-urlencoded'],
  bodyLimitBytes: 64 * 1024,
  prepareConfig: prepareVoiceConfig,
  verify: verifySmsRequest,
  parse() {
    throw new AppError('MALFORMED_PAYLOAD', 'voice calls arrive at /voice/incoming/<tenant slug>');
  },
  async send() {
    return {
      outcome: 'failed',
      error: new AppError(
        'DELIVERY_FAILED',
        'a phone call cannot be sent a message; answer on another channel',
      ),
    };
  },
  // What a caller says is answered on the call, never by a queued reply.
  automaticReply: () => null,
  test: checkVoiceConnection,
};
