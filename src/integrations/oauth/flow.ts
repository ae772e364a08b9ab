// The connect flow: start (authorization URL and state), complete (the provider's redirect
// back: code exchange, tokens stored sealed) and disconnect (revoke, delete the tokens), each
// recording the seed's events in the transaction of the change they describe.
import type { TrackedEvent } from '../../analytics/catalog.ts';
import type { Tracker } from '../../analytics/tracker.ts';
import type { Clock } from '../../core/clock.ts';
import type { ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import type { Db, DbTransaction } from '../../store/index.ts';
import { createOAuthClient, newCodeVerifier, OAuthRefusal, type TokenSet } from './client.ts';
import { type OAuthErrorType, oauthErrorType, providerCode } from './failures.ts';
import type { Grants } from './grants.ts';
import {
  enabledServices,
  type OAuthHosts,
  type OAuthProvider,
  type OAuthProviderId,
  type OAuthService,
  oauthProviders,
  scopesFor,
} from './providers.ts';
import type { OAuthStates, StartedAuthorization } from './state.ts';

const DAY_MS = 86_400_000;

export interface FlowOptions {
  db: Db;
  clock: Clock;
  hosts: OAuthHosts;
  states: OAuthStates;
  grants: Grants;
  tracker: Pick<Tracker, 'trackInTransaction'>;
  fetch: typeof fetch;
  redirectUri(provider: OAuthProviderId): string;
  /** The tenant's decrypted connector configuration (`google`, `microsoft`). */
  loadConfig(tenantId: string, provider: OAuthProviderId): Promise<ConnectorValues | undefined>;
}

/** How a returning authorization ended, for the page staff are sent back to. */
export type Completion =
  | { tenantId: string; provider: OAuthProviderId; actor: string; ok: true; services: string[] }
  | { tenantId: string; provider: OAuthProviderId; actor: string; ok: false; errorType: OAuthErrorType };

/** The seed's `service` values of some services, each once (Outlook mail and calendar are one). */
function analyticsServices(services: readonly OAuthService[]) {
  return [...new Set(services.map((service) => service.analyticsService))];
}

function servicesByKey(provider: OAuthProvider, keys: readonly string[]): OAuthService[] {
  return provider.services.filter((service) => keys.includes(service.key));
}

/** Days as a number with two decimals (`connection_age_days`, `days_since_disconnect`). */
const daysBetween = (from: Date, to: number) =>
  Math.max(0, Math.round(((to - from.getTime()) / DAY_MS) * 100) / 100);

export function createOAuthFlow(options: FlowOptions) {
  const { db, clock, states, grants, tracker } = options;

  function clientFor(provider: OAuthProvider, config: ConnectorValues) {
    return createOAuthClient({
      provider,
      hosts: options.hosts,
      config,
      fetch: options.fetch,
      redirectUri: options.redirectUri(provider.id),
    });
  }

  async function configOf(tenantId: string, provider: OAuthProvider): Promise<ConnectorValues> {
    const config = await options.loadConfig(tenantId, provider.id);
    if (!config?.client_id || !config.client_secret) {
      throw new AppError(
        'NOT_FOUND',
        `${provider.id} has no OAuth client yet: save client_id and client_secret first`,
      );
    }
    return config;
  }

  function events(
    tenantId: string,
    services: readonly OAuthService[],
    build: (service: OAuthService['analyticsService']) => TrackedEvent,
  ): TrackedEvent[] {
    return analyticsServices(services).map((service) => ({ ...build(service), tenantId }));
  }

  async function fail(
    started: StartedAuthorization,
    errorType: OAuthErrorType,
    code: string | null,
  ): Promise<Completion> {
    const { tenantId, provider } = started;
    const services = servicesByKey(oauthProviders[provider], started.services);
    await db.$transaction((tx) =>
      tracker.trackInTransaction(
        tx,
        events(tenantId, services, (service) => ({
          tenantId,
          event: 'integration_oauth_failed',
          properties: {
            provider,
            service,
            error_type: errorType,
            oauth_error_code: providerCode(code),
            duration_ms: Math.max(0, clock.now() - started.startedAt),
          },
        })),
      ),
    );
    return { tenantId, provider, actor: started.actor, ok: false, errorType };
  }

  /** Stores the new tokens and records completion (and a reconnect) with them. */
  async function store(tx: DbTransaction, started: StartedAuthorization, tokens: TokenSet): Promise<void> {
    const { tenantId, provider } = started;
    const services = servicesByKey(oauthProviders[provider], started.services);
    const previous = await tx.oAuthGrant.findUnique({ where: { tenantId_provider: { tenantId, provider } } });
    const now = new Date(clock.now());
    const data = {
      status: 'connected',
      services: JSON.stringify(started.services),
      scopesGranted: tokens.scopes.length,
      ...grants.sealTokens(tenantId, provider, tokens),
      refreshLeaseUntil: 0n,
      refreshLeaseOwner: null,
      connectedAt: now,
      disconnectedAt: null,
      disconnectReason: null,
      usageCount: 0,
    };
    await tx.oAuthGrant.upsert({
      where: { tenantId_provider: { tenantId, provider } },
      create: { tenantId, provider, ...data },
      update: data,
    });
    await tx.connectorConfig.updateMany({
      where: { tenantId, connectorId: provider },
      data: { status: 'connected', statusDetail: null },
    });
    const completed = events(tenantId, services, (service) => ({
      tenantId,
      event: 'integration_oauth_completed',
      properties: {
        provider,
        service,
        duration_ms: Math.max(0, clock.now() - started.startedAt),
        scopes_granted_count: tokens.scopes.length,
        is_first_connection: !previous?.connectedAt,
      },
    }));
    const lost = previous && previous.status !== 'connected' && previous.disconnectedAt;
    const reconnected = lost
      ? events(tenantId, services, (service) => ({
          tenantId,
          event: 'integration_reconnected',
          properties: {
            provider,
            service,
            days_since_disconnect: daysBetween(lost, clock.now()),
            previous_disconnect_reason: (previous.disconnectReason ?? 'error') as 'user_initiated',
          },
        }))
      : [];
    await tracker.trackInTransaction(tx, [...completed, ...reconnected]);
  }

  return {
    /**
     * Starts an authorization: checks the requested services against the connector's,
     * stores the state and returns the provider's URL. `integration_oauth_started` is
     * recorded with the state.
     */
    async start(request: {
      tenantId: string;
      provider: OAuthProviderId;
      actor: string;
      services: string[] | undefined;
      browserNonce: string;
    }): Promise<URL> {
      const provider = oauthProviders[request.provider];
      const config = await configOf(request.tenantId, provider);
      const enabled = enabledServices(provider, config);
      const requested = request.services ?? enabled.map((service) => service.key);
      const unknown = requested.filter((key) => !enabled.some((service) => service.key === key));
      if (unknown.length > 0 || requested.length === 0) {
        throw new AppError(
          'VALIDATION_FAILED',
          `services must be among the connector's: ${enabled.map((service) => service.key).join(', ')}`,
        );
      }
      const services = servicesByKey(provider, requested);
      const codeVerifier = newCodeVerifier();
      const started: StartedAuthorization = {
        tenantId: request.tenantId,
        provider: request.provider,
        actor: request.actor,
        services: requested,
        codeVerifier,
        startedAt: clock.now(),
      };
      const state = await states.issue(started, request.browserNonce);
      const url = await clientFor(provider, config).authorizationUrl(
        scopesFor(provider, services),
        state,
        codeVerifier,
      );
      await db.$transaction((tx) =>
        tracker.trackInTransaction(
          tx,
          events(request.tenantId, services, (service) => ({
            tenantId: request.tenantId,
            event: 'integration_oauth_started',
            properties: { provider: request.provider, service, oauth_domain: url.hostname },
          })),
        ),
      );
      return url;
    },

    /** Completes an authorization from the provider's redirect; refuses a bad state (403). */
    async complete(providerId: OAuthProviderId, callback: URLSearchParams, browserNonce: string | undefined) {
      const state = callback.get('state');
      if (!state) throw new AppError('VALIDATION_FAILED', 'the callback has no state parameter');
      const returned = await states.consume(state, providerId, browserNonce);
      const { started } = returned;
      if (!returned.ok) return fail(started, 'timeout', null);
      const error = callback.get('error');
      if (error) return fail(started, oauthErrorType(error, callback.get('error_subcode')), error);
      const provider = oauthProviders[providerId];
      const config = await options.loadConfig(started.tenantId, providerId);
      if (!config) return fail(started, 'unknown', null);
      let tokens: TokenSet;
      try {
        tokens = await clientFor(provider, config).exchange(callback, started.codeVerifier, []);
      } catch (caught) {
        if (caught instanceof OAuthRefusal) {
          const type =
            caught.code === 'invalid_scope'
              ? 'invalid_scope'
              : caught.status >= 500
                ? 'server_error'
                : 'unknown';
          return fail(started, type, caught.code);
        }
        return fail(started, caught instanceof TypeError ? 'network_error' : 'unknown', null);
      }
      await db.$transaction((tx) => store(tx, started, tokens));
      return {
        tenantId: started.tenantId,
        provider: providerId,
        actor: started.actor,
        ok: true,
        services: started.services,
      } satisfies Completion;
    },

    /**
     * Revokes the grant at the provider where it can (Google; Microsoft has no endpoint),
     * deletes the tokens and records `integration_disconnected`. A failed revocation does not
     * keep the tokens: `revoked` says whether the provider confirmed it.
     */
    async disconnect(tenantId: string, providerId: OAuthProviderId): Promise<{ revoked: boolean }> {
      const grant = await db.oAuthGrant.findUnique({
        where: { tenantId_provider: { tenantId, provider: providerId } },
      });
      if (!grant || grant.status === 'disconnected') {
        throw new AppError('NOT_FOUND', `${providerId} is not connected`);
      }
      const provider = oauthProviders[providerId];
      const config = await options.loadConfig(tenantId, providerId);
      const tokens = grants.openTokens(grant);
      let revoked = false;
      const client = config ? clientFor(provider, config) : undefined;
      const token = tokens.refreshToken ?? tokens.accessToken;
      if (client?.canRevoke && token)
        revoked = await client.revoke(token).then(
          () => true,
          () => false,
        );
      const services = servicesByKey(provider, JSON.parse(grant.services) as string[]);
      await db.$transaction(async (tx) => {
        await tx.oAuthGrant.updateMany({
          where: { id: grant.id, tenantId },
          data: {
            status: 'disconnected',
            accessToken: null,
            refreshToken: null,
            expiresAt: null,
            disconnectedAt: new Date(clock.now()),
            disconnectReason: 'user_initiated',
          },
        });
        await tx.connectorConfig.updateMany({
          where: { tenantId, connectorId: providerId },
          data: { status: 'configured', statusDetail: null },
        });
        await tracker.trackInTransaction(
          tx,
          events(tenantId, services, (service) => ({
            tenantId,
            event: 'integration_disconnected',
            properties: {
              provider: providerId,
              service,
              connection_age_days: grant.connectedAt ? daysBetween(grant.connectedAt, clock.now()) : 0,
              disconnect_reason: 'user_initiated',
              usage_count: grant.usageCount,
            },
          })),
        );
      });
      return { revoked };
    },

    /** Where the tenant's grant stands, for the workspace (no tokens). */
    async status(tenantId: string, providerId: OAuthProviderId) {
      const grant = await db.oAuthGrant.findUnique({
        where: { tenantId_provider: { tenantId, provider: providerId } },
        select: {
          status: true,
          services: true,
          scopesGranted: true,
          connectedAt: true,
          disconnectedAt: true,
        },
      });
      return {
        provider: providerId,
        status: grant?.status ?? 'disconnected',
        services: grant ? (JSON.parse(grant.services) as string[]) : [],
        scopesGranted: grant?.scopesGranted ?? 0,
        connectedAt: grant?.connectedAt?.toISOString() ?? null,
      };
    },
  };
}

export type OAuthFlow = ReturnType<typeof createOAuthFlow>;
