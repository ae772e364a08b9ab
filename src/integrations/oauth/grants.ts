// A tenant's grant with a provider: its tokens sealed at rest, and access tokens handed to
// tools, refreshed before they expire by one caller at a time per grant, across processes (a
// lease column taken with a conditional update). A refresh the provider refuses with
// `invalid_grant` puts the grant in `error` and tells staff once.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { ConnectorValues } from '../../core/connector.ts';
import type { Db, DbTransaction } from '../../store/index.ts';
import { ToolError } from '../types.ts';
import { createOAuthClient, OAuthRefusal, type TokenSet } from './client.ts';
import { type OAuthHosts, type OAuthProviderId, oauthProviders } from './providers.ts';
import type { Sealer } from './sealer.ts';

/** Refresh when the token has less than this left, so no call starts with a dying token. */
const REFRESH_MARGIN_MS = 60_000;
/** How long one refresher holds the grant; a crashed one is replaced after this. */
const LEASE_MS = 30_000;
/** How long a caller waits for another's refresh before giving up. */
const WAIT_MS = 20_000;

/** Who needs a reconnect: for the staff notice and the connector's status. */
export interface ReconnectNeeded {
  tenantId: string;
  provider: OAuthProviderId;
  conversationId: string;
}

export interface GrantOptions {
  db: Db;
  keyRing: Sealer;
  clock: Clock;
  hosts: OAuthHosts;
  redirectUri(provider: OAuthProviderId): string;
  /** In the transaction that marks the grant `error`: runs once per lost grant. */
  onReconnectNeeded(tx: DbTransaction, who: ReconnectNeeded): Promise<void>;
}

/** What a tool asks for: whose grant, with which client configuration and fetch. */
export interface TokenRequest {
  tenantId: string;
  provider: OAuthProviderId;
  config: ConnectorValues;
  fetch: typeof fetch;
  conversationId: string;
  /** The token the provider just refused (401): refresh unless someone already replaced it. */
  refused?: string;
}

const tokenContext = (tenantId: string, provider: string, kind: 'access' | 'refresh') =>
  `${tenantId}/oauth/${provider}/${kind}_token`;

export function createGrants(options: GrantOptions) {
  const { db, keyRing, clock } = options;
  const seal = (tenantId: string, provider: string, kind: 'access' | 'refresh', value: string) =>
    keyRing.encrypt(value, tokenContext(tenantId, provider, kind));
  const open = (tenantId: string, provider: string, kind: 'access' | 'refresh', value: string) =>
    keyRing.decrypt(value, tokenContext(tenantId, provider, kind));
  const expiry = (tokens: TokenSet) =>
    tokens.expiresIn === undefined ? null : BigInt(clock.now() + tokens.expiresIn * 1000);

  /** Marks the grant lost; the first caller to do so notifies staff, in the same transaction. */
  async function markLost(grantId: string, request: TokenRequest): Promise<void> {
    await db.$transaction(async (tx) => {
      const flipped = await tx.oAuthGrant.updateMany({
        where: { id: grantId, tenantId: request.tenantId, status: 'connected' },
        data: {
          status: 'error',
          accessToken: null,
          refreshLeaseUntil: 0n,
          refreshLeaseOwner: null,
          disconnectedAt: new Date(clock.now()),
          disconnectReason: 'revoked',
        },
      });
      if (flipped.count === 1) {
        await tx.connectorConfig.updateMany({
          where: { tenantId: request.tenantId, connectorId: request.provider },
          data: { status: 'error', statusDetail: 'the grant was revoked or expired: connect again' },
        });
        await options.onReconnectNeeded(tx, {
          tenantId: request.tenantId,
          provider: request.provider,
          conversationId: request.conversationId,
        });
      }
    });
  }

  /** Refreshes under the lease we hold; releases it whatever happens. */
  async function refreshHolding(grantId: string, owner: string, request: TokenRequest): Promise<string> {
    const { tenantId, provider } = request;
    try {
      const grant = await db.oAuthGrant.findFirstOrThrow({ where: { id: grantId, tenantId } });
      if (!grant.refreshToken)
        throw new ToolError('auth_expired', `${provider} has no refresh token: connect again`);
      const client = createOAuthClient({
        provider: oauthProviders[provider],
        hosts: options.hosts,
        config: request.config,
        fetch: request.fetch,
        redirectUri: options.redirectUri(provider),
      });
      let tokens: TokenSet;
      try {
        tokens = await client.refresh(open(tenantId, provider, 'refresh', grant.refreshToken), []);
      } catch (error) {
        if (error instanceof OAuthRefusal && error.code === 'invalid_grant') {
          await markLost(grantId, request);
          throw new ToolError('auth_expired', `${provider} refused the refresh: connect again`, error.status);
        }
        if (error instanceof OAuthRefusal)
          throw new ToolError(
            'server_error',
            `${provider} refused the refresh (${error.code})`,
            error.status,
          );
        throw error;
      }
      await db.oAuthGrant.updateMany({
        where: { id: grantId, tenantId, refreshLeaseOwner: owner },
        data: {
          accessToken: seal(tenantId, provider, 'access', tokens.accessToken),
          ...(tokens.refreshToken
            ? { refreshToken: seal(tenantId, provider, 'refresh', tokens.refreshToken) }
            : {}),
          expiresAt: expiry(tokens),
        },
      });
      return tokens.accessToken;
    } finally {
      await db.oAuthGrant.updateMany({
        where: { id: grantId, tenantId, refreshLeaseOwner: owner },
        data: { refreshLeaseUntil: 0n, refreshLeaseOwner: null },
      });
    }
  }

  return {
    /**
     * A usable access token for the tenant's grant, and whether this call refreshed it.
     * Throws `ToolError('auth_expired')` when there is no connected grant.
     */
    async accessToken(request: TokenRequest): Promise<{ token: string; refreshed: boolean }> {
      const { tenantId, provider } = request;
      const deadline = clock.now() + WAIT_MS;
      for (;;) {
        const grant = await db.oAuthGrant.findUnique({
          where: { tenantId_provider: { tenantId, provider } },
        });
        if (grant?.status !== 'connected' || !grant.accessToken) {
          throw new ToolError(
            'auth_expired',
            `${provider} is not connected: connect it on the integrations page`,
          );
        }
        const current = open(tenantId, provider, 'access', grant.accessToken);
        const fresh = grant.expiresAt === null || Number(grant.expiresAt) - clock.now() > REFRESH_MARGIN_MS;
        if (fresh && current !== request.refused) return { token: current, refreshed: false };
        const owner = randomUUID();
        const now = clock.now();
        const taken = await db.oAuthGrant.updateMany({
          where: { id: grant.id, tenantId, status: 'connected', refreshLeaseUntil: { lt: BigInt(now) } },
          data: { refreshLeaseUntil: BigInt(now + LEASE_MS), refreshLeaseOwner: owner },
        });
        if (taken.count === 1) {
          // Another caller may have refreshed between our read and the lease: use theirs.
          const again = await db.oAuthGrant.findFirst({ where: { id: grant.id, tenantId } });
          if (again?.accessToken && again.accessToken !== grant.accessToken) {
            await db.oAuthGrant.updateMany({
              where: { id: grant.id, refreshLeaseOwner: owner },
              data: { refreshLeaseUntil: 0n, refreshLeaseOwner: null },
            });
            continue;
          }
          return { token: await refreshHolding(grant.id, owner, request), refreshed: true };
        }
        if (clock.now() > deadline)
          throw new ToolError('network_error', `${provider} token refresh is taking too long`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },

    /** Counts one use of the grant by a tool (`usage_count` of `integration_disconnected`). */
    async countUse(tenantId: string, provider: OAuthProviderId): Promise<void> {
      await db.oAuthGrant.updateMany({
        where: { tenantId, provider },
        data: { usageCount: { increment: 1 } },
      });
    },

    /** Sealed token columns for a new token set (the flow stores them with its events). */
    sealTokens(tenantId: string, provider: OAuthProviderId, tokens: TokenSet) {
      return {
        accessToken: seal(tenantId, provider, 'access', tokens.accessToken),
        refreshToken: tokens.refreshToken ? seal(tenantId, provider, 'refresh', tokens.refreshToken) : null,
        expiresAt: expiry(tokens),
      };
    },

    /** The stored tokens in clear, for revocation at disconnect. */
    openTokens(grant: {
      tenantId: string;
      provider: string;
      accessToken: string | null;
      refreshToken: string | null;
    }) {
      return {
        accessToken: grant.accessToken
          ? open(grant.tenantId, grant.provider, 'access', grant.accessToken)
          : undefined,
        refreshToken: grant.refreshToken
          ? open(grant.tenantId, grant.provider, 'refresh', grant.refreshToken)
          : undefined,
      };
    },
  };
}

export type Grants = ReturnType<typeof createGrants>;
