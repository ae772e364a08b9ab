import { AppError } from '../../core/errors.ts';
import type { OutboundMessage, SendContext, SendResult } from '../types.ts';
import { connectTwilio, type TwilioConnection } from './client.ts';
import { readSmsAccount } from './config.ts';
import { toTwilioError } from './errors.ts';
import { TWILIO_MAX_BODY_LENGTH } from './segments.ts';

/**
 * Sends one SMS through the Messages API: from the Messaging Service when one is configured
 * (its sender pool picks the number), otherwise from `sms_number`, asking for delivery
 * reports at the status URL setup stored. Never throws: every failure comes back as
 * `{ outcome: 'failed', error }` with a catalogue code whose retryable flag the dispatcher
 * follows (429 and 5xx are retried, honouring Retry-After; 21610, an unsubscribed
 * recipient, is not), and with the auth token scrubbed from its message.
 */
export async function sendSmsMessage(message: OutboundMessage, context: SendContext): Promise<SendResult> {
  const problem = bodyProblem(message.text);
  if (problem !== undefined) return { outcome: 'failed', error: new AppError('VALIDATION_FAILED', problem) };
  let connection: TwilioConnection | undefined;
  try {
    const account = readSmsAccount(context.config);
    connection = await connectTwilio(account, context.environment);
    const statusCallback = context.config.status_callback_url;
    const sent = await connection.client.messages.create({
      to: message.chatId,
      body: message.text,
      ...(account.messagingServiceSid
        ? { messagingServiceSid: account.messagingServiceSid }
        : { from: account.smsNumber }),
      ...(statusCallback ? { statusCallback } : {}),
    });
    return { outcome: 'sent', providerMessageId: sent.sid };
  } catch (error) {
    return {
      outcome: 'failed',
      error: toTwilioError(error, 'sending the message', {
        authToken: context.config.auth_token,
        retryAfterMs: connection?.retryAfterMs(),
      }),
    };
  }
}

/** Twilio refuses empty bodies and bodies over 1,600 characters; both are our bugs, not Twilio's. */
function bodyProblem(text: string): string | undefined {
  if (text.trim() === '') return 'message text is empty';
  if (text.length > TWILIO_MAX_BODY_LENGTH) {
    return `message text is ${text.length} characters; Twilio accepts at most ${TWILIO_MAX_BODY_LENGTH}`;
  }
  return undefined;
}
