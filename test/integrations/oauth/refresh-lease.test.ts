import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeySpecification, parseKeyRing } from '../../../src/connectors/key-ring.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { createGrants, type Grants } from '../../../src/integrations/oauth/grants.ts';
import { type FakeGoogle, startFakeGoogle } from '../../fakes/google-apis.ts';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from '../../fakes/oauth-server.ts';
import { createTestStore, type TestStore } from '../../support/database.ts';
import { testEgress } from '../../support/egress.ts';

/**
 * Two grant stores on one database stand for two gateway processes: each has its own memory,
 * so only the lease row can keep them from refreshing the same grant twice.
 */
let store: TestStore;
let google: FakeGoogle;
let processes: Grants[];
let notices: number;
const keyRing = parseKeyRing(generateKeySpecification());
const config = { client_id: FAKE_CLIENT_ID, client_secret: FAKE_CLIENT_SECRET };

beforeEach(async () => {
  store = await createTestStore();
  google = await startFakeGoogle();
  notices = 0;
  const hosts = {
    googleAccounts: 'https://accounts.fake-google.test',
    googleOauth2: google.url,
    googleApi: google.url,
    microsoftLogin: google.url,
    microsoftGraph: google.url,
  };
  processes = [0, 1].map(() =>
    createGrants({
      db: store.db,
      keyRing,
      clock: systemClock,
      hosts,
      redirectUri: () => 'https://gateway.test/oauth/callback/google',
      onReconnectNeeded: async () => {
        notices += 1;
      },
    }),
  );
});
afterEach(async () => {
  await google.close();
  await store.dispose();
});

/** A tenant with a connected grant whose access token has expired. */
async function expiredGrant(): Promise<string> {
  const tenant = await store.db.tenant.create({ data: { slug: `t${Date.now()}`, name: 'Bakery' } });
  const refreshToken = `rt-seeded-${tenant.id}`;
  await store.db.oAuthGrant.create({
    data: {
      tenantId: tenant.id,
      provider: 'google',
      services: '["google_calendar"]',
      ...processes[0]!.sealTokens(tenant.id, 'google', {
        accessToken: 'at-expired',
        refreshToken,
        expiresIn: -60,
        scopes: [],
      }),
      connectedAt: new Date(),
    },
  });
  google.oauth.seedRefreshToken(refreshToken);
  return tenant.id;
}

const request = (tenantId: string) => ({
  tenantId,
  provider: 'google' as const,
  config,
  fetch: testEgress.fetch,
  conversationId: 'conversation-1',
});

describe('refreshing a grant', () => {
  it('refreshes once for concurrent callers in two processes, and all get the new token', async () => {
    const tenantId = await expiredGrant();
    google.oauth.refreshDelayMs = 300;
    const callers = Array.from({ length: 8 }, (_, index) =>
      processes[index % 2]!.accessToken(request(tenantId)),
    );
    const results = await Promise.all(callers);
    expect(google.oauth.counts.refresh_token).toBe(1);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
    expect(results[0]!.token).not.toBe('at-expired');
    expect(results.filter((result) => result.refreshed)).toHaveLength(1);
    const grant = await store.db.oAuthGrant.findFirstOrThrow({ where: { tenantId } });
    expect(Number(grant.expiresAt)).toBeGreaterThan(Date.now() + 3_000_000);
    expect(grant.refreshLeaseOwner).toBeNull();
    // Fresh now: no further refresh.
    await processes[1]!.accessToken(request(tenantId));
    expect(google.oauth.counts.refresh_token).toBe(1);
  });

  it('marks a refused grant lost once and tells staff once, however many callers saw it', async () => {
    const tenantId = await expiredGrant();
    google.oauth.revokeGrants();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, index) => processes[index % 2]!.accessToken(request(tenantId))),
    );
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ errorType: 'auth_expired' });
    }
    expect(notices).toBe(1);
    expect(google.oauth.counts.refresh_token).toBe(1);
    const grant = await store.db.oAuthGrant.findFirstOrThrow({ where: { tenantId } });
    expect(grant).toMatchObject({ status: 'error', accessToken: null, disconnectReason: 'revoked' });
  });
});
