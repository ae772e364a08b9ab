import type { ConnectionCheck } from '../../core/connector.ts';
import { readAccessToken, readGraphId } from '../meta/config.ts';
import { checkMetaConnection, requireInbound, stepFailure } from '../meta/connection.ts';
import { createGraphClient } from '../meta/graph-client.ts';
import type { SendContext, SetupContext, SetupResult } from '../types.ts';

/**
 * After a save: makes sure webhooks can be accepted (an app secret is set) and learns the
 * account's username, shown as a read-only detail. Instagram webhooks are subscribed per app
 * in Meta's dashboard, so nothing is registered here. Throws AppError naming what failed;
 * the hub shows the message as status detail.
 */
export async function setupInstagram(context: SetupContext): Promise<SetupResult> {
  requireInbound(context.config);
  try {
    return { values: { instagram_username: await readUsername(context) } };
  } catch (error) {
    throw stepFailure('reading the Instagram account', error);
  }
}

/** Asks Meta for the account behind the id with this token; `detail` is `@username`, or what is wrong. */
export function checkInstagramConnection(context: SendContext): Promise<ConnectionCheck> {
  return checkMetaConnection(context.config, async () => `@${await readUsername(context)}`);
}

/** `GET /<instagram account id>?fields=username`: proves the page token reaches the account. */
async function readUsername(context: SendContext): Promise<string> {
  const accountId = readGraphId(context.config, 'instagram_account_id');
  const client = createGraphClient(context.environment, readAccessToken(context.config, 'page_access_token'));
  const answer = await client.get(accountId, { fields: 'id,username' });
  return typeof answer.username === 'string' ? answer.username : accountId;
}
