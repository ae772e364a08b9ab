// The OAuth integrations of one gateway: the grant store, the connect flow and the Google and
// Microsoft integrations with their tools, wired to the app's database, key ring and clock.
import type { Tracker } from '../../analytics/tracker.ts';
import type { Clock } from '../../core/clock.ts';
import type { ConnectorValues } from '../../core/connector.ts';
import type { Db, DbTransaction } from '../../store/index.ts';
import { createGoogleIntegration } from '../google/integration.ts';
import { createMicrosoftIntegration } from '../microsoft/integration.ts';
import type { Integration } from '../types.ts';
import { createOAuthFlow } from './flow.ts';
import { createGrants, type ReconnectNeeded } from './grants.ts';
import type { OAuthHosts, OAuthProviderId } from './providers.ts';
import type { Sealer } from './sealer.ts';
import { createStates } from './state.ts';

export interface OAuthOptions {
  db: Db;
  keyRing: Sealer;
  clock: Clock;
  hosts: OAuthHosts;
  /** PUBLIC_URL: the redirect URIs are `${publicUrl}/oauth/callback/<provider>`. */
  publicUrl: string;
  tracker: Pick<Tracker, 'trackInTransaction'>;
  /** For the token endpoint (code exchange, revocation); tools use their context's egress. */
  fetch: typeof fetch;
  loadConfig(tenantId: string, provider: OAuthProviderId): Promise<ConnectorValues | undefined>;
  onReconnectNeeded(tx: DbTransaction, who: ReconnectNeeded): Promise<void>;
}

export function createOAuth(options: OAuthOptions) {
  const { db, keyRing, clock, hosts } = options;
  const redirectUri = (provider: OAuthProviderId) => `${options.publicUrl}/oauth/callback/${provider}`;
  const grants = createGrants({
    db,
    keyRing,
    clock,
    hosts,
    redirectUri,
    onReconnectNeeded: options.onReconnectNeeded,
  });
  const flow = createOAuthFlow({
    db,
    clock,
    hosts,
    states: createStates({ db, keyRing, clock }),
    grants,
    tracker: options.tracker,
    fetch: options.fetch,
    redirectUri,
    loadConfig: options.loadConfig,
  });
  const integrations: Record<OAuthProviderId, Integration> = {
    google: createGoogleIntegration({ hosts, redirectUri: redirectUri('google'), grants }),
    microsoft: createMicrosoftIntegration({ hosts, redirectUri: redirectUri('microsoft'), grants }),
  };
  return { flow, grants, integrations };
}
