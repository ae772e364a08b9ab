// The two OAuth providers of issue #13: their endpoints below the operator's hosts, the
// services a tenant can enable and the narrowest scopes that serve each service's tools.
import type * as oauth from 'oauth4webapi';
import type { ConnectorValues } from '../../core/connector.ts';

export type OAuthProviderId = 'google' | 'microsoft';

/** The operator's hosts (GOOGLE_*_URL, MICROSOFT_*_URL); the providers' paths go below them. */
export interface OAuthHosts {
  googleAccounts: string;
  googleOauth2: string;
  googleApi: string;
  microsoftLogin: string;
  microsoftGraph: string;
}

/** A service a tenant enables: its key in the connector's `services`, analytics name and scopes. */
export interface OAuthService {
  key: string;
  /** The seed's `service` value for its events. */
  analyticsService: 'gmail' | 'google_calendar' | 'google_drive' | 'outlook' | 'onedrive';
  scopes: readonly string[];
}

export interface OAuthProvider {
  id: OAuthProviderId;
  name: string;
  services: readonly OAuthService[];
  /** Scopes every grant asks for besides its services' (Microsoft's `offline_access`). */
  baseScopes: readonly string[];
  /** Extra authorization request parameters (Google's offline access and consent prompt). */
  authorizationParameters: Readonly<Record<string, string>>;
  /** The authorization server for a tenant's configuration (Microsoft's directory is per tenant). */
  server(hosts: OAuthHosts, config: ConnectorValues): oauth.AuthorizationServer;
}

const GOOGLE_SCOPE = 'https://www.googleapis.com/auth/';

export const googleProvider: OAuthProvider = {
  id: 'google',
  name: 'Google',
  services: [
    {
      key: 'gmail',
      analyticsService: 'gmail',
      scopes: [`${GOOGLE_SCOPE}gmail.readonly`, `${GOOGLE_SCOPE}gmail.send`],
    },
    {
      key: 'google_calendar',
      analyticsService: 'google_calendar',
      scopes: [`${GOOGLE_SCOPE}calendar.events`, `${GOOGLE_SCOPE}calendar.freebusy`],
    },
    // Names and links are all the tool returns: the metadata scope reads no file content.
    {
      key: 'google_drive',
      analyticsService: 'google_drive',
      scopes: [`${GOOGLE_SCOPE}drive.metadata.readonly`],
    },
  ],
  baseScopes: [],
  authorizationParameters: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
  server: (hosts) => ({
    issuer: 'https://accounts.google.com',
    authorization_endpoint: `${hosts.googleAccounts}/o/oauth2/v2/auth`,
    token_endpoint: `${hosts.googleOauth2}/token`,
    revocation_endpoint: `${hosts.googleOauth2}/revoke`,
  }),
};

export const microsoftProvider: OAuthProvider = {
  id: 'microsoft',
  name: 'Microsoft',
  services: [
    { key: 'outlook_mail', analyticsService: 'outlook', scopes: ['Mail.Read', 'Mail.Send'] },
    { key: 'outlook_calendar', analyticsService: 'outlook', scopes: ['Calendars.ReadWrite'] },
    { key: 'onedrive', analyticsService: 'onedrive', scopes: ['Files.Read'] },
  ],
  baseScopes: ['offline_access'],
  authorizationParameters: {},
  server: (hosts, config) => {
    const directory = encodeURIComponent(config.tenant || 'common');
    const base = `${hosts.microsoftLogin}/${directory}/oauth2/v2.0`;
    // The identity platform has no revocation endpoint (RFC 7009): disconnect deletes the tokens.
    return {
      issuer: `${hosts.microsoftLogin}/${directory}/v2.0`,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
    };
  },
};

export const oauthProviders: Record<OAuthProviderId, OAuthProvider> = {
  google: googleProvider,
  microsoft: microsoftProvider,
};

export function isOAuthProvider(id: string): id is OAuthProviderId {
  return Object.hasOwn(oauthProviders, id);
}

/** The services a tenant enabled in its connector (`services`, comma-separated); all when empty. */
export function enabledServices(provider: OAuthProvider, config: ConnectorValues): OAuthService[] {
  const chosen = (config.services ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  return chosen.length === 0
    ? [...provider.services]
    : provider.services.filter((service) => chosen.includes(service.key));
}

/** The scopes a grant for these services asks for, without repeats. */
export function scopesFor(provider: OAuthProvider, services: readonly OAuthService[]): string[] {
  return [...new Set([...provider.baseScopes, ...services.flatMap((service) => service.scopes)])];
}
