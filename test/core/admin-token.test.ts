import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureAdminToken, hashToken } from '../../src/server/auth.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';

// The test gateway registers this value as its SWITCHBOARD_ADMIN_TOKEN on every start.
const CONFIGURED_TOKEN = ADMIN_TOKEN;

describe('ensureAdminToken', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let gateway: TestGateway | undefined;

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await telegram.close();
    await store.dispose();
  });

  /** Starts a fresh gateway on the store, as a process start would, and lists tenants with `token`. */
  async function statusOfListingTenants(token: string): Promise<number> {
    await gateway?.close();
    gateway = await startTestGateway({ store, telegram });
    return (await gateway.request({ method: 'GET', url: '/admin/tenants', token })).statusCode;
  }

  it('generates a token on first start when none is configured, and returns it only once', async () => {
    const token = await ensureAdminToken(store.db, undefined);
    expect(token).toMatch(/^sba_[A-Za-z0-9_-]{43}$/);
    expect(await ensureAdminToken(store.db, undefined)).toBeUndefined();
    expect(await store.db.apiToken.count({ where: { kind: 'admin' } })).toBe(1);
  });

  it('stores only the hash of the generated token', async () => {
    const token = (await ensureAdminToken(store.db, undefined))!;
    const rows = await store.db.apiToken.findMany();
    expect(rows).toEqual([
      expect.objectContaining({ kind: 'admin', tenantId: null, tokenHash: hashToken(token) }),
    ]);
    const raw = await store.db.$queryRaw<unknown[]>`SELECT * FROM api_tokens`;
    expect(JSON.stringify(raw)).toContain(hashToken(token));
    expect(JSON.stringify(raw)).not.toContain(token);
  });

  it('lets the generated token call admin routes', async () => {
    const token = (await ensureAdminToken(store.db, undefined))!;
    expect(await statusOfListingTenants(token)).toBe(200);
    expect(await statusOfListingTenants(`${token}x`)).toBe(401);
  });

  it('registers a configured SWITCHBOARD_ADMIN_TOKEN, which works, and generates none beside it', async () => {
    expect(await ensureAdminToken(store.db, CONFIGURED_TOKEN)).toBeUndefined();
    expect(await ensureAdminToken(store.db, undefined)).toBeUndefined();
    expect(await store.db.apiToken.findMany()).toEqual([
      expect.objectContaining({ kind: 'admin', tokenHash: hashToken(CONFIGURED_TOKEN) }),
    ]);
    expect(await statusOfListingTenants(CONFIGURED_TOKEN)).toBe(200);
  });

  it('re-enables a revoked configured token on the next start', async () => {
    await ensureAdminToken(store.db, CONFIGURED_TOKEN);
    const revoked = await store.db.apiToken.update({
      where: { tokenHash: hashToken(CONFIGURED_TOKEN) },
      data: { revokedAt: new Date() },
    });
    expect(revoked.revokedAt).not.toBeNull();
    // Starting the gateway registers the configured token again.
    expect(await statusOfListingTenants(CONFIGURED_TOKEN)).toBe(200);
    const row = await store.db.apiToken.findUniqueOrThrow({
      where: { tokenHash: hashToken(CONFIGURED_TOKEN) },
    });
    expect(row.revokedAt).toBeNull();
  });

  it('retires the token of the previous SWITCHBOARD_ADMIN_TOKEN when the variable changes, and only that one', async () => {
    const generated = (await ensureAdminToken(store.db, undefined))!;
    await ensureAdminToken(store.db, 'the-old-configured-admin-token');
    expect(await statusOfListingTenants('the-old-configured-admin-token')).toBe(401);
    // Starting the gateway registered ADMIN_TOKEN: the old value is revoked, the generated token is not.
    const rows = await store.db.apiToken.findMany({ orderBy: { createdAt: 'asc' } });
    expect(rows.map((row) => [row.origin, row.revokedAt === null])).toEqual([
      ['generated', true],
      ['environment', false],
      ['environment', true],
    ]);
    expect(await statusOfListingTenants(ADMIN_TOKEN)).toBe(200);
    expect(await statusOfListingTenants(generated)).toBe(200);
  });
});
