import type { ConnectionCheck, ConnectorValues } from '../../core/connector.ts';
import type { Egress } from '../../core/egress.ts';
import { createOAuthClient, OAuthRefusal } from './client.ts';
import type { OAuthHosts, OAuthProvider } from './providers.ts';

/**
 * Checks the OAuth client id and secret without a user: a refresh with a token that cannot
 * exist. `invalid_grant` means the provider accepted the client and only refused the token;
 * `invalid_client` or `unauthorized_client` means the id or secret is wrong.
 */
export async function testOAuthClient(
  provider: OAuthProvider,
  hosts: OAuthHosts,
  redirectUri: string,
  config: ConnectorValues,
  egress: Egress,
): Promise<ConnectionCheck> {
  const client = createOAuthClient({ provider, hosts, config, fetch: egress.fetch, redirectUri });
  try {
    await client.refresh('switchboard-connection-test', []);
    return { ok: false, detail: `${provider.name} accepted a refresh token that cannot exist` };
  } catch (error) {
    if (error instanceof OAuthRefusal && error.code === 'invalid_grant')
      return {
        ok: true,
        detail: `${provider.name} accepted the client id and secret; use Connect to authorize`,
      };
    if (error instanceof OAuthRefusal)
      return {
        ok: false,
        detail: `${provider.name} refused the client (${error.code}): check client id and secret`,
      };
    return { ok: false, detail: `${provider.name}'s token endpoint could not be reached` };
  }
}
