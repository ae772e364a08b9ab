import type { ConnectionCheck } from '../../core/connector.ts';
import type { RevealContext, SendContext } from '../types.ts';
import { createPostmarkConnection } from './client.ts';
import { readServerToken } from './config.ts';
import { toPostmarkError } from './errors.ts';

/** Asks Postmark for the server the token belongs to (`GET /server`); `detail` is its name, or what went wrong. */
export async function checkPostmarkConnection(context: SendContext): Promise<ConnectionCheck> {
  const token = context.config.server_token;
  try {
    const connection = await createPostmarkConnection(readServerToken(context.config), context.environment);
    const server = await connection.client.getServer();
    return { ok: true, detail: `Postmark server "${server.Name}"` };
  } catch (error) {
    return {
      ok: false,
      detail: `checking the server token failed: ${toPostmarkError(error, 'read the server', { token }).message}`,
    };
  }
}

/**
 * The inbound webhook URL with its basic-auth credentials, to paste into Postmark: shown in
 * the answer to the save that set new credentials (generated or typed), and never again.
 */
export function revealInboundWebhookUrl(context: RevealContext): Record<string, string> | undefined {
  const user = context.config.inbound_webhook_user;
  const password = context.config.inbound_webhook_password;
  if (!user || !password) return undefined;
  const previous = context.previousConfig;
  if (previous?.inbound_webhook_user === user && previous.inbound_webhook_password === password)
    return undefined;
  const url = new URL(context.webhookUrl);
  url.username = user;
  url.password = password;
  return { inbound_webhook_url: url.toString() };
}
