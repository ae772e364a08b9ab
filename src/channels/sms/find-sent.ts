import type { SendContext, UnsettledSend } from '../types.ts';
import { connectTwilio, type TwilioConnection } from './client.ts';
import { readSmsAccount } from './config.ts';
import { toTwilioError } from './errors.ts';

/** Allowance for Twilio's clock running behind ours. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Messages read per lookup: one recipient's replies since one reply was recorded. */
const PAGE_SIZE = 50;

/**
 * Looks for an SMS an earlier attempt handed to Twilio, in the account's message list
 * filtered by To, From (the number, or the Messaging Service's sender for service sends) and
 * DateSent after the reply was recorded, matched on the exact body. Returns its SID, or
 * undefined when Twilio has no such message. A message Twilio accepted but has not sent yet
 * has no DateSent, so it is not listed: the dispatcher asks only after a crashed run's lease
 * expired, by when Twilio has normally sent it.
 */
export async function findTwilioMessage(
  send: UnsettledSend,
  context: SendContext,
): Promise<string | undefined> {
  let connection: TwilioConnection | undefined;
  try {
    const account = readSmsAccount(context.config);
    connection = await connectTwilio(account, context.environment);
    const earliest = send.since.getTime() - CLOCK_SKEW_MS;
    const messages = await connection.client.messages.list({
      to: send.message.chatId,
      // A Messaging Service picks the sender from its pool: any of them may have sent it.
      ...(account.messagingServiceSid ? {} : { from: account.smsNumber }),
      dateSentAfter: new Date(earliest),
      limit: PAGE_SIZE,
    });
    const match = messages.find(
      (message) =>
        message.direction === 'outbound-api' &&
        message.body === send.message.text &&
        (account.messagingServiceSid === undefined ||
          message.messagingServiceSid === account.messagingServiceSid) &&
        message.dateCreated.getTime() >= earliest,
    );
    return match?.sid;
  } catch (error) {
    throw toTwilioError(error, 'looking up an earlier send', {
      authToken: context.config.auth_token,
      retryAfterMs: connection?.retryAfterMs(),
    });
  }
}
