import type { ConnectionCheck } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import { readAccessToken, readGraphId } from '../meta/config.ts';
import { checkMetaConnection, requireInbound, stepFailure } from '../meta/connection.ts';
import { createGraphClient } from '../meta/graph-client.ts';
import type { SendContext, SetupContext, SetupResult } from '../types.ts';

/**
 * The page webhook fields parse reads. A field reaches us only when both the app (in Meta's
 * dashboard) and the page subscribe to it; echoes are left out, since they are dropped anyway.
 */
const SUBSCRIBED_FIELDS = 'messages,messaging_postbacks,message_deliveries,message_edits';

/**
 * After a save: makes sure webhooks can be accepted (an app secret is set), checks that the
 * token belongs to the configured page, and subscribes the page to the app's webhook, so
 * the page's messages reach the callback URL configured in the app. Throws AppError naming
 * the step that failed; the hub shows the message as status detail.
 */
export async function setupMessenger(context: SetupContext): Promise<SetupResult> {
  requireInbound(context.config);
  let page: { id: string; name: string };
  try {
    page = await readPage(context);
  } catch (error) {
    throw stepFailure('reading the page', error);
  }
  try {
    await pageClient(context).post(`${page.id}/subscribed_apps`, { subscribed_fields: SUBSCRIBED_FIELDS });
  } catch (error) {
    throw stepFailure("subscribing the page to the app's webhook", error);
  }
  return { values: { page_name: page.name, subscribed_fields: SUBSCRIBED_FIELDS } };
}

/** Unsubscribes the page from the app's webhook when the configuration is deleted. */
export async function teardownMessenger(context: SendContext): Promise<void> {
  try {
    await pageClient(context).delete(`${readGraphId(context.config, 'page_id')}/subscribed_apps`);
  } catch (error) {
    throw stepFailure("unsubscribing the page from the app's webhook", error);
  }
}

/** Asks Meta whose token this is; `detail` names the page, or what is wrong. */
export function checkMessengerConnection(context: SendContext): Promise<ConnectionCheck> {
  return checkMetaConnection(context.config, async () => {
    const page = await readPage(context);
    return `page "${page.name}" (${page.id})`;
  });
}

/** `GET /me` with a page token is the page; it must be the configured one. */
async function readPage(context: SendContext): Promise<{ id: string; name: string }> {
  const pageId = readGraphId(context.config, 'page_id');
  const answer = await pageClient(context).get('me', { fields: 'id,name' });
  const name = typeof answer.name === 'string' ? answer.name : 'unnamed page';
  if (answer.id !== pageId) {
    throw new AppError(
      'VALIDATION_FAILED',
      `page_access_token belongs to "${name}" (${String(answer.id)}), not to page_id ${pageId}`,
    );
  }
  return { id: pageId, name };
}

function pageClient(context: SendContext) {
  return createGraphClient(context.environment, readAccessToken(context.config, 'page_access_token'));
}
