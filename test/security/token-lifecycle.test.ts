import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAuthenticator,
  type FindToken,
  findTokenIn,
  generateToken,
  hashToken,
} from '../../src/server/auth.ts';
import { expectError, useGatewayWorld } from '../api/gateway-world.ts';
import { ADMIN_TOKEN } from '../support/gateway.ts';
import { crashTestEnvironment, type GatewayProcess, spawnGateway } from '../support/process.ts';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as FastifyRequest;

describe('API token lifecycle', () => {
  const world = useGatewayWorld();
  const db = () => world.store.db;
  const processes: GatewayProcess[] = [];
  const folders: string[] = [];

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((gateway) => gateway.stop('SIGKILL')));
    await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('creates a named tenant token shown once, lists tokens without secrets, and revokes one', async () => {
    const tenant = await world.connectedTenant('bakery');
    const created = await world.gateway.request({
      method: 'POST',
      url: '/admin/tokens',
      token: tenant.apiToken,
      payload: { label: 'till in the shop' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id, token } = created.json();
    expect(created.json()).toMatchObject({
      kind: 'tenant',
      label: 'till in the shop',
      origin: 'api',
      revokedAt: null,
    });
    expect(token).toMatch(/^sbt_[A-Za-z0-9_-]{43}$/);
    expect((await db().apiToken.findUniqueOrThrow({ where: { id } })).tokenHash).toBe(hashToken(token));

    const listing = await world.gateway.request({ method: 'GET', url: '/admin/tokens', token });
    expect(listing.statusCode).toBe(200);
    expect(listing.json().items.map((item: { label: string }) => item.label)).toEqual([
      'created with the tenant',
      'till in the shop',
    ]);
    expect(listing.body).not.toContain(token);
    expect(listing.body).not.toContain(hashToken(token));
    expect(listing.body).not.toContain('tokenHash');

    const revoked = await world.gateway.request({
      method: 'DELETE',
      url: `/admin/tokens/${id}`,
      token: tenant.apiToken,
    });
    expect(revoked.statusCode).toBe(204);
    await expect
      .poll(
        async () => (await world.gateway.request({ method: 'GET', url: '/admin/tokens', token })).statusCode,
        {
          timeout: 2000,
          interval: 50,
        },
      )
      .toBe(401);
    const actions = await db().auditLog.findMany({
      where: { tenantId: tenant.id, action: { startsWith: 'token.' } },
      orderBy: { createdAt: 'asc' },
    });
    expect(actions.map((row) => [row.action, row.target])).toEqual([
      ['token.created', id],
      ['token.revoked', id],
    ]);
    expect(JSON.stringify(actions)).not.toContain(token);
  });

  it('gives the admin without X-Tenant admin tokens, and refuses to revoke the last one', async () => {
    const created = await world.gateway.request({
      method: 'POST',
      url: '/admin/tokens',
      token: ADMIN_TOKEN,
      payload: { label: 'deploy robot' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ kind: 'admin' });
    expect(created.json().token).toMatch(/^sba_/);
    expect(
      (await world.gateway.request({ method: 'GET', url: '/admin/tenants', token: created.json().token }))
        .statusCode,
    ).toBe(200);

    const listing = await world.gateway.request({ method: 'GET', url: '/admin/tokens', token: ADMIN_TOKEN });
    expect(listing.json().items.map((item: { kind: string }) => item.kind)).toEqual(['admin', 'admin']);
    const environmentToken = listing
      .json()
      .items.find((item: { origin: string }) => item.origin === 'environment');

    const revoked = await world.gateway.request({
      method: 'DELETE',
      url: `/admin/tokens/${created.json().id}`,
      token: ADMIN_TOKEN,
    });
    expect(revoked.statusCode).toBe(204);
    const last = await world.gateway.request({
      method: 'DELETE',
      url: `/admin/tokens/${environmentToken.id}`,
      token: ADMIN_TOKEN,
    });
    expectError(last, 409, 'CONFLICT');
    expect(await db().auditLog.count({ where: { tenantId: null, action: { startsWith: 'token.' } } })).toBe(
      2,
    );
  });

  it('answers a token without a label 400, and an unknown token id 404', async () => {
    const tenant = await world.connectedTenant('bakery');
    const message = expectError(
      await world.gateway.request({
        method: 'POST',
        url: '/admin/tokens',
        token: tenant.apiToken,
        payload: { label: ' ' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(message).toContain('label');
    expectError(
      await world.gateway.request({
        method: 'DELETE',
        url: '/admin/tokens/no-such-token',
        token: tenant.apiToken,
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('is refused by a second process within 2 s of being revoked', async () => {
    const tenant = await world.connectedTenant('bakery');
    const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-tokens-'));
    folders.push(dataDir);
    const other = await spawnGateway({
      ...crashTestEnvironment({
        databaseUrl: world.store.url,
        dataDir,
        telegramApiRoot: world.telegram.apiRoot,
      }),
      WORKER_CONCURRENCY: '0',
    });
    processes.push(other);
    const status = async () =>
      (await fetch(`${other.url}/admin/tokens`, { headers: { authorization: `Bearer ${tenant.apiToken}` } }))
        .status;
    // The second process has looked the token up, and caches it.
    expect(await status()).toBe(200);

    const id = await world.tokenId(tenant.apiToken);
    const revoked = await world.gateway.request({
      method: 'DELETE',
      url: `/admin/tokens/${id}`,
      token: ADMIN_TOKEN,
      headers: { 'x-tenant': tenant.slug },
    });
    expect(revoked.statusCode).toBe(204);
    const revokedAt = Date.now();
    let refusedAfterMs: number | undefined;
    while (Date.now() - revokedAt < 3000) {
      if ((await status()) === 401) {
        refusedAfterMs = Date.now() - revokedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(refusedAfterMs).toBeDefined();
    expect(refusedAfterMs!).toBeLessThan(2000);
  });
});

describe('the authenticator cache', () => {
  const world = useGatewayWorld();

  /** An authenticator on the test database whose lookups are counted; time is the test's. */
  function counted(options: { cacheSize?: number } = {}) {
    const clock = { time: 1_000_000, now: () => clock.time };
    const real = findTokenIn(world.store.db);
    const lookups: string[] = [];
    const findToken: FindToken = (tokenHash) => {
      lookups.push(tokenHash);
      return real(tokenHash);
    };
    const authenticator = createAuthenticator({ db: world.store.db, clock, findToken, ...options });
    const outcome = (token: string) =>
      authenticator.authenticate(bearer(token)).then(
        (caller) => caller.kind,
        (error: { code: string }) => error.code,
      );
    return { clock, lookups, outcome };
  }

  it('asks the database once for a flood of one unknown token, concurrent or not, until the entry expires', async () => {
    const { clock, lookups, outcome } = counted();
    const unknown = generateToken('sbt');
    const answers = await Promise.all(Array.from({ length: 1000 }, () => outcome(unknown)));
    expect(new Set(answers)).toEqual(new Set(['UNAUTHORIZED']));
    for (let index = 0; index < 500; index += 1) await outcome(unknown);
    expect(lookups).toHaveLength(1);
    clock.time += 1001;
    await outcome(unknown);
    expect(lookups).toHaveLength(2);
  });

  it('stays within its bound under a flood of distinct tokens, dropping the least recently used', async () => {
    const { lookups, outcome } = counted({ cacheSize: 100 });
    const tokens = Array.from({ length: 300 }, () => generateToken('sbt'));
    for (const token of tokens) await outcome(token);
    expect(lookups).toHaveLength(300);
    await outcome(tokens.at(-1)!);
    expect(lookups).toHaveLength(300);
    await outcome(tokens[0]!);
    expect(lookups).toHaveLength(301);
  });

  it('sees a revocation once its cached entry is older than the cache time (1 s)', async () => {
    const tenant = await world.connectedTenant('bakery');
    const { clock, outcome } = counted();
    expect(await outcome(tenant.apiToken)).toBe('tenant');
    await world.store.db.apiToken.update({
      where: { tokenHash: hashToken(tenant.apiToken) },
      data: { revokedAt: new Date() },
    });
    expect(await outcome(tenant.apiToken)).toBe('tenant');
    clock.time += 1001;
    expect(await outcome(tenant.apiToken)).toBe('UNAUTHORIZED');
  });

  it('names the admin kind explicitly: a token row of another kind grants nothing', async () => {
    const token = generateToken('sba');
    await world.store.db.apiToken.create({ data: { kind: 'robot', tokenHash: hashToken(token) } });
    const { outcome } = counted();
    expect(await outcome(token)).toBe('UNAUTHORIZED');
    expect(await outcome(ADMIN_TOKEN)).toBe('admin');
  });
});
