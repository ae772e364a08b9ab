// The OAuth 2.0 client of both providers, on oauth4webapi: authorization URL with PKCE, code
// exchange, refresh and revocation, each through the injected fetch and the endpoints the
// operator's hosts give. No token request is built by hand.
import * as oauth from 'oauth4webapi';
import type { ConnectorValues } from '../../core/connector.ts';
import type { OAuthHosts, OAuthProvider } from './providers.ts';

/** What the token endpoint answered: the tokens, their lifetime and the scopes granted. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | undefined;
  /** Seconds, when the provider said. */
  expiresIn: number | undefined;
  scopes: string[];
}

/** The endpoint refused with an OAuth error (`invalid_grant`, `invalid_client`…). */
export class OAuthRefusal extends Error {
  override readonly name = 'OAuthRefusal';
  constructor(
    readonly code: string,
    readonly status: number,
  ) {
    super(`the provider refused: ${code}`);
  }
}

export interface OAuthClientOptions {
  provider: OAuthProvider;
  hosts: OAuthHosts;
  config: ConnectorValues;
  fetch: typeof fetch;
  redirectUri: string;
}

/** The OAuth client of one tenant's connector configuration. */
export function createOAuthClient(options: OAuthClientOptions) {
  const { provider, config, redirectUri } = options;
  const server = provider.server(options.hosts, config);
  const client: oauth.Client = { client_id: config.client_id ?? '' };
  const authentication = oauth.ClientSecretPost(config.client_secret ?? '');
  // The operator may point the hosts at plain http (a proxy on loopback, the tests' fakes).
  const requestOptions = {
    [oauth.customFetch]: options.fetch as never,
    [oauth.allowInsecureRequests]: server.token_endpoint?.startsWith('http:') ?? false,
  };

  /** Turns oauth4webapi's error for an OAuth error body into ours; anything else propagates. */
  async function refusing<Result>(work: () => Promise<Result>): Promise<Result> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError) throw new OAuthRefusal(error.error, error.status);
      throw error;
    }
  }

  function tokenSet(response: oauth.TokenEndpointResponse, requested: readonly string[]): TokenSet {
    return {
      accessToken: response.access_token,
      refreshToken: response.refresh_token,
      expiresIn: response.expires_in,
      scopes: response.scope ? response.scope.split(' ').filter(Boolean) : [...requested],
    };
  }

  return {
    /** The URL to send the browser to, with PKCE (S256) and our state. */
    async authorizationUrl(scopes: readonly string[], state: string, codeVerifier: string): Promise<URL> {
      const url = new URL(server.authorization_endpoint!);
      const parameters = {
        client_id: client.client_id,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: scopes.join(' '),
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        ...provider.authorizationParameters,
      };
      for (const [key, value] of Object.entries(parameters)) url.searchParams.set(key, value);
      return url;
    },

    /** Exchanges the callback's code (the state was checked by us before). */
    exchange(
      callback: URLSearchParams,
      codeVerifier: string,
      requested: readonly string[],
    ): Promise<TokenSet> {
      return refusing(async () => {
        const parameters = oauth.validateAuthResponse(server, client, callback, oauth.skipStateCheck);
        const response = await oauth.authorizationCodeGrantRequest(
          server,
          client,
          authentication,
          parameters,
          redirectUri,
          codeVerifier,
          requestOptions,
        );
        return tokenSet(await oauth.processAuthorizationCodeResponse(server, client, response), requested);
      });
    },

    refresh(refreshToken: string, requested: readonly string[]): Promise<TokenSet> {
      return refusing(async () => {
        const response = await oauth.refreshTokenGrantRequest(
          server,
          client,
          authentication,
          refreshToken,
          requestOptions,
        );
        return tokenSet(await oauth.processRefreshTokenResponse(server, client, response), requested);
      });
    },

    /** Whether the provider has a revocation endpoint at all (Microsoft has none). */
    canRevoke: Boolean(server.revocation_endpoint),

    revoke(token: string): Promise<void> {
      return refusing(async () => {
        const response = await oauth.revocationRequest(server, client, authentication, token, requestOptions);
        await oauth.processRevocationResponse(response);
      });
    },
  };
}

export type OAuthClient = ReturnType<typeof createOAuthClient>;

/** A fresh PKCE code verifier. */
export const newCodeVerifier = oauth.generateRandomCodeVerifier;
