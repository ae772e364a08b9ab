import type { ConnectionCheck } from '../../core/connector.ts';
import { readAccessToken, readGraphId } from '../meta/config.ts';
import { checkMetaConnection, requireInbound, stepFailure } from '../meta/connection.ts';
import { createGraphClient } from '../meta/graph-client.ts';
import type { SendContext, SetupContext, SetupResult } from '../types.ts';

/**
 * After a save: makes sure webhooks can be accepted (an app secret is set) and learns the
 * phone number and verified business name behind the phone number id, shown as read-only
 * details. Meta registers the callback URL per app in its dashboard, so nothing is
 * registered here. Throws AppError: VALIDATION_FAILED naming what is missing, or the
 * mapped Graph error of the identity call; the hub shows the message as status detail.
 */
export async function setupWhatsApp(context: SetupContext): Promise<SetupResult> {
  requireInbound(context.config);
  try {
    const phone = await readPhoneNumber(context);
    return { values: { display_phone_number: phone.number, verified_name: phone.name } };
  } catch (error) {
    throw stepFailure('reading the phone number', error);
  }
}

/** Asks Meta which number the phone number id is; `detail` is `+<number> (<verified name>)`, or what is wrong. */
export function checkWhatsAppConnection(context: SendContext): Promise<ConnectionCheck> {
  return checkMetaConnection(context.config, async () => {
    const phone = await readPhoneNumber(context);
    return `${phone.number} (${phone.name})`;
  });
}

/** `GET /<phone number id>`: the cheapest call that proves token and id belong together. */
async function readPhoneNumber(context: SendContext): Promise<{ number: string; name: string }> {
  const phoneNumberId = readGraphId(context.config, 'phone_number_id');
  const client = createGraphClient(context.environment, readAccessToken(context.config, 'access_token'));
  const answer = await client.get(phoneNumberId, { fields: 'display_phone_number,verified_name' });
  const display =
    typeof answer.display_phone_number === 'string' ? answer.display_phone_number : phoneNumberId;
  return {
    number: display.startsWith('+') ? display : `+${display}`,
    name: typeof answer.verified_name === 'string' ? answer.verified_name : 'no verified name',
  };
}
