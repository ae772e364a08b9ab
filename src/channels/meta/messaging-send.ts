import type { ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import type { OutboundMessage, SendContext, SendResult } from '../types.ts';
import { createGraphClient, type GraphObject } from './graph-client.ts';
import { failedSend } from './graph-errors.ts';

/** How one channel reaches the Send API (Messenger and Instagram share it). */
export interface SendApiChannel {
  /** How error messages name the channel. */
  channelName: string;
  /**
   * The Send API edge (`<page id>/messages`, `me/messages`) and the token for a stored
   * configuration. Throws AppError('VALIDATION_FAILED') when the configuration is unusable.
   */
  account(config: ConnectorValues): { path: string; accessToken: string };
  /** Why the channel would refuse this text (empty, too long), or undefined. */
  textProblem(text: string): string | undefined;
}

/** The read receipt and typing indicator are worth little once a few seconds have passed. */
const ACKNOWLEDGE_TIMEOUT_MS = 5_000;

/**
 * Sends one text through the Send API as a reply (`messaging_type: RESPONSE`), or, when the
 * dispatcher's policy set `humanAgentTag` (a staff reply after the 24-hour window), with
 * Meta's HUMAN_AGENT tag. These channels have no templates, so a message the policy wanted
 * templated is refused rather than sent free-form. Never throws: failures come back as
 * `{ outcome: 'failed', error }` with a catalogue code and without the token.
 */
export async function sendThroughSendApi(
  message: OutboundMessage,
  context: SendContext,
  channel: SendApiChannel,
): Promise<SendResult> {
  try {
    if (message.template !== undefined) {
      throw new AppError(
        'VALIDATION_FAILED',
        `${channel.channelName} has no message templates; the message is not sent outside the window`,
      );
    }
    const problem = channel.textProblem(message.text);
    if (problem !== undefined) throw new AppError('VALIDATION_FAILED', problem);
    const { path, accessToken } = channel.account(context.config);
    const answer = await createGraphClient(context.environment, accessToken).post(path, {
      recipient: { id: message.chatId },
      ...(message.humanAgentTag === true
        ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }
        : { messaging_type: 'RESPONSE' }),
      message: { text: message.text },
    });
    return { outcome: 'sent', providerMessageId: sentMessageId(answer, channel.channelName) };
  } catch (error) {
    return failedSend(error, channel.channelName);
  }
}

/**
 * Marks the customer's messages as seen and shows "typing…" until the reply arrives. The
 * Send API takes one sender action per call. Best effort: a failure here must never delay
 * or fail a reply.
 */
export async function showSendApiTyping(
  chatId: string,
  context: SendContext,
  channel: SendApiChannel,
): Promise<void> {
  try {
    const { path, accessToken } = channel.account(context.config);
    const client = createGraphClient(context.environment, accessToken, { timeoutMs: ACKNOWLEDGE_TIMEOUT_MS });
    for (const action of ['mark_seen', 'typing_on']) {
      await client.post(path, { recipient: { id: chatId }, sender_action: action });
    }
  } catch {
    // Deliberately ignored; see above.
  }
}

/** `{recipient_id, message_id}`: the id later delivery and read receipts refer to. */
function sentMessageId(answer: GraphObject, channelName: string): string {
  if (typeof answer.message_id !== 'string' || answer.message_id === '') {
    // Not retryable: the message may well have gone out, and a second send would duplicate it.
    throw new AppError(
      'DELIVERY_FAILED',
      `${channelName} answered without a message id; the message is not sent again`,
    );
  }
  return answer.message_id;
}
