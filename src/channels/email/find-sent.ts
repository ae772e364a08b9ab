import type { SendContext, UnsettledSend } from '../types.ts';
import { createPostmarkConnection, type PostmarkConnection } from './client.ts';
import { readServerToken } from './config.ts';
import { toPostmarkError } from './errors.ts';
import { DELIVERY_METADATA_KEY, postmarkMessageIdHeader } from './send.ts';

/**
 * Looks for an email an earlier attempt handed to Postmark, through the outbound message
 * search filtered by the delivery id every send carries as metadata. Returns its message id
 * in the form `send` stores, or undefined when Postmark has none. Postmark lists a message
 * once it has processed it (seconds after the send); the dispatcher asks only after a
 * crashed run's lease has expired.
 */
export async function findPostmarkEmail(
  send: UnsettledSend,
  context: SendContext,
): Promise<string | undefined> {
  const deliveryId = send.message.deliveryId;
  if (deliveryId === undefined) return undefined;
  const token = context.config.server_token;
  let connection: PostmarkConnection | undefined;
  try {
    connection = await createPostmarkConnection(readServerToken(context.config), context.environment);
    const found = await connection.client.getOutboundMessages({
      count: 1,
      offset: 0,
      recipient: send.message.chatId,
      [`metadata_${DELIVERY_METADATA_KEY}`]: deliveryId,
    });
    const match = found.Messages.find((message) => message.Metadata?.[DELIVERY_METADATA_KEY] === deliveryId);
    return match ? postmarkMessageIdHeader(match.MessageID) : undefined;
  } catch (error) {
    throw toPostmarkError(error, 'look up an earlier send', {
      token,
      retryAfterMs: connection?.retryAfterMs(),
    });
  }
}
