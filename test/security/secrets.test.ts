import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateKeySpecification,
  type KeyRing,
  loadKeyRing,
  parseKeyRing,
} from '../../src/connectors/key-ring.ts';
import { systemClock } from '../../src/core/clock.ts';
import { parseConfig } from '../../src/core/config.ts';
import { createGrants } from '../../src/integrations/oauth/grants.ts';
import { createStates } from '../../src/integrations/oauth/state.ts';
import {
  type ConnectedTenant,
  expectError,
  type GatewayWorld,
  SECOND_BOT_TOKEN,
  useGatewayWorld,
} from '../api/gateway-world.ts';
import type { TestStore } from '../support/database.ts';
import { ADMIN_TOKEN } from '../support/gateway.ts';

const CONFIG_URL = '/admin/connector-hub/telegram/config';

/** How the connector store binds a sealed field to its place (the additional authenticated data). */
const fieldContext = (tenantId: string, field: string) => `${tenantId}/telegram/${field}`;

/** The sealed secret fields of a tenant's Telegram row, as stored. */
async function sealedSecrets(world: GatewayWorld, tenant: ConnectedTenant): Promise<Record<string, string>> {
  const row = await world.connectorRow(tenant);
  return JSON.parse(row!.secrets) as Record<string, string>;
}

/** A stored secret field, decrypted the way the gateway does it. */
async function storedSecret(world: GatewayWorld, tenant: ConnectedTenant, field: string, keyRing: KeyRing) {
  return keyRing.decrypt((await sealedSecrets(world, tenant))[field]!, fieldContext(tenant.id, field));
}

/**
 * Everything the database holds, as text: the SQLite file and its write-ahead log after a
 * checkpoint, or every row of every PostgreSQL table.
 */
async function databaseContents(store: TestStore): Promise<string> {
  if (store.dialect === 'sqlite') {
    await store.db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
    const file = store.url.slice('file:'.length);
    const database = await readFile(file);
    const log = await readFile(`${file}-wal`).catch(() => Buffer.alloc(0));
    return Buffer.concat([database, log]).toString('latin1');
  }
  const tables = await store.db.$queryRaw<Array<{ name: string }>>`
    SELECT table_name::text AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  expect(tables.map((table) => table.name)).toContain('connector_configs');
  const rows: string[] = [];
  for (const { name } of tables) {
    const dump = await store.db.$queryRawUnsafe<Array<{ row: string }>>(
      `SELECT row_to_json(t)::text AS "row" FROM "${name}" t`,
    );
    rows.push(...dump.map((entry) => entry.row));
  }
  return rows.join('\n');
}

const mask = (secret: string) => `••••${secret.slice(-4)}`;

describe('secrets through the API and at rest', () => {
  const world = useGatewayWorld();

  it('never answers with a stored bot token, webhook secret or API token, in any response of a full session', async () => {
    const tenant = await world.gateway.createTenant('bakery');
    const bodies: string[] = [];
    const call = async (options: InjectOptions & { token?: string }) => {
      const response = await world.gateway.request({ token: tenant.apiToken, ...options });
      bodies.push(response.body);
      return response;
    };
    const saved = await call({ method: 'PUT', url: CONFIG_URL, payload: { bot_token: SECOND_BOT_TOKEN } });
    expect(saved.json().status).toBe('connected');
    const webhookSecret = String(
      world.telegram.calls.findLast((entry) => entry.method === 'setWebhook')!.body.secret_token,
    );
    const connected: ConnectedTenant = { ...tenant, botToken: SECOND_BOT_TOKEN, webhookSecret };
    await world.say(connected, 5550003001, 'hello');
    await world.settled();

    const shown = (await call({ method: 'GET', url: CONFIG_URL })).json().values;
    const masked = { bot_token: shown.bot_token, webhook_secret: shown.webhook_secret };
    expect(
      (await call({ method: 'PUT', url: CONFIG_URL, payload: { ...masked, admin_chat_id: '1' } })).statusCode,
    ).toBe(200);
    await call({ method: 'PUT', url: CONFIG_URL, payload: { bot_token: 'not a token' } });
    await call({ method: 'GET', url: '/admin/connector-hub/catalog' });
    await call({ method: 'POST', url: '/admin/connector-hub/telegram/test' });
    world.telegram.fail('getMe', [{ status: 401 }, { status: 500 }]);
    await call({ method: 'POST', url: '/admin/connector-hub/telegram/test' });
    await call({ method: 'POST', url: '/admin/connector-hub/telegram/test' });
    await call({ method: 'GET', url: CONFIG_URL });
    await call({ method: 'GET', url: '/admin/connector-hub/telegram/setup-docs' });
    await call({ method: 'GET', url: '/admin/connector-hub/telegram/setup-docs?lang=de' });
    const conversations = await call({ method: 'GET', url: '/admin/conversations' });
    await call({ method: 'GET', url: `/admin/conversations/${conversations.json().items[0].id}/messages` });
    await call({ method: 'GET', url: '/admin/tenants', token: ADMIN_TOKEN });
    await call({ method: 'GET', url: CONFIG_URL, token: ADMIN_TOKEN, headers: { 'x-tenant': tenant.slug } });
    const wrongSecret = await world.gateway.postUpdate(tenant.slug, { update_id: 1 }, `${webhookSecret}x`);
    bodies.push(wrongSecret.body);

    expect(bodies).toHaveLength(16);
    expect(bodies.join('\n')).toContain(mask(SECOND_BOT_TOKEN));
    for (const body of bodies) {
      for (const secret of [SECOND_BOT_TOKEN, webhookSecret, tenant.apiToken, ADMIN_TOKEN]) {
        expect(body).not.toContain(secret);
      }
    }
  });

  it('masks long secrets as •••• plus their last four characters and short ones entirely', async () => {
    const tenant = await world.connectedTenant('bakery');
    const view = await world.gateway.request({ method: 'GET', url: CONFIG_URL, token: tenant.apiToken });
    expect(view.json().values).toMatchObject({
      bot_token: mask(tenant.botToken),
      webhook_secret: mask(tenant.webhookSecret),
    });
    const short = await world.gateway.request({
      method: 'PUT',
      url: CONFIG_URL,
      token: tenant.apiToken,
      payload: { webhook_secret: 'abc-123' },
    });
    expect(short.json().values.webhook_secret).toBe('••••');
  });

  it('keeps the stored secrets when their masked forms are sent back in a PUT', async () => {
    const tenant = await world.connectedTenant('bakery');
    const { keyRing } = world.gateway;
    const before = await sealedSecrets(world, tenant);
    const view = await world.gateway.request({ method: 'GET', url: CONFIG_URL, token: tenant.apiToken });
    const { bot_token, webhook_secret } = view.json().values;
    const resent = await world.gateway.request({
      method: 'PUT',
      url: CONFIG_URL,
      token: tenant.apiToken,
      payload: { bot_token, webhook_secret, admin_chat_id: '777' },
    });
    expect(resent.json()).toMatchObject({ status: 'connected', values: { admin_chat_id: '777' } });
    expect(await storedSecret(world, tenant, 'bot_token', keyRing)).toBe(tenant.botToken);
    expect(await storedSecret(world, tenant, 'webhook_secret', keyRing)).toBe(tenant.webhookSecret);
    // Re-saved, so sealed afresh: the ciphertext changed although the secret did not.
    expect((await sealedSecrets(world, tenant)).bot_token).not.toBe(before.bot_token);
  });

  it('stores no secret in plaintext anywhere in the database', async () => {
    const tenant = await world.connectedTenant('bakery');
    await world.say(tenant, 5550003002, 'hello');
    await world.settled();
    const contents = await databaseContents(world.store);
    // The scan sees plain data (the bot's username is stored in clear), so an absence means something.
    expect(contents).toContain('gateway_test_bot');
    expect(contents).not.toContain(tenant.botToken);
    expect(contents).not.toContain(tenant.webhookSecret);
    expect(contents).not.toContain(tenant.apiToken);
  });

  it('stores no OAuth token, PKCE verifier or browser nonce in plaintext', async () => {
    const tenant = await world.connectedTenant('oauth');
    const { db } = world.store;
    const keyRing = world.gateway.keyRing;
    const grants = createGrants({
      db,
      keyRing,
      clock: systemClock,
      hosts: parseConfig({}).oauthHosts,
      redirectUri: () => 'https://gateway.test/oauth/callback/google',
      onReconnectNeeded: async () => {},
    });
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    const refreshToken = `1//${randomBytes(24).toString('base64url')}`;
    await db.oAuthGrant.create({
      data: {
        tenantId: tenant.id,
        provider: 'google',
        services: '["gmail"]',
        ...grants.sealTokens(tenant.id, 'google', { accessToken, refreshToken, expiresIn: 3600, scopes: [] }),
        connectedAt: new Date(),
      },
    });
    const codeVerifier = randomBytes(32).toString('base64url');
    const browserNonce = randomBytes(24).toString('base64url');
    const state = await createStates({ db, keyRing, clock: systemClock }).issue(
      {
        tenantId: tenant.id,
        provider: 'google',
        actor: 'test',
        services: ['gmail'],
        codeVerifier,
        startedAt: Date.now(),
      },
      browserNonce,
    );
    const contents = await databaseContents(world.store);
    expect(contents).toContain('["gmail"]');
    for (const secret of [accessToken, refreshToken, codeVerifier, browserNonce, state]) {
      expect(contents).not.toContain(secret);
    }
    const row = await db.oAuthGrant.findFirstOrThrow({ where: { tenantId: tenant.id } });
    expect(grants.openTokens(row)).toEqual({ accessToken, refreshToken });
  });

  it('reads values written under an old key after rotation and re-encrypts them under the newest key on save', async () => {
    const [first, second, third] = [
      generateKeySpecification(),
      generateKeySpecification(),
      generateKeySpecification(),
    ];
    const keyId = (specification: string) => parseKeyRing(specification).activeKeyId;
    const sealedUnder = async (tenant: ConnectedTenant, specification: string) => {
      for (const sealed of Object.values(await sealedSecrets(world, tenant))) {
        expect(sealed.startsWith(`v1.${keyId(specification)}.`), sealed).toBe(true);
      }
    };
    const stillWorks = async (tenant: ConnectedTenant, chatId: number) => {
      const view = await world.gateway.request({ method: 'GET', url: CONFIG_URL, token: tenant.apiToken });
      expect(view.json().values.bot_token).toBe(mask(tenant.botToken));
      await world.say(tenant, chatId, 'still verified with the old secret');
    };

    await world.restart({ keyRing: parseKeyRing(first) });
    const tenant = await world.connectedTenant('bakery');
    await sealedUnder(tenant, first);
    await world.restart({ keyRing: parseKeyRing(`${second},${first}`) });
    await stillWorks(tenant, 5550003003);
    await world.restart({ keyRing: parseKeyRing(`${third},${second},${first}`) });
    await stillWorks(tenant, 5550003004);
    await sealedUnder(tenant, first);

    const saved = await world.gateway.request({
      method: 'PUT',
      url: CONFIG_URL,
      token: tenant.apiToken,
      payload: { admin_chat_id: '99' },
    });
    expect(saved.statusCode).toBe(200);
    await sealedUnder(tenant, third);
    expect(await storedSecret(world, tenant, 'bot_token', parseKeyRing(third))).toBe(tenant.botToken);
    // Nothing needs the retired keys any more.
    await world.restart({ keyRing: parseKeyRing(third) });
    await stillWorks(tenant, 5550003005);
  });

  it('fails loudly, without guessing, when the key a value was written with is missing from the ring', async () => {
    const tenant = await world.connectedTenant('bakery');
    await world.restart({ keyRing: parseKeyRing(generateKeySpecification()) });
    const view = await world.gateway.request({ method: 'GET', url: CONFIG_URL, token: tenant.apiToken });
    expectError(view, 500, 'CONFIG_UNREADABLE');
  });

  it("does not decrypt tenant A's ciphertext copied into tenant B's row", async () => {
    const a = await world.connectedTenant('tenant-a');
    const b = await world.connectedTenant('tenant-b', SECOND_BOT_TOKEN);
    const { keyRing } = world.gateway;
    const sealedOfA = await sealedSecrets(world, a);
    await world.store.db.connectorConfig.update({
      where: { tenantId_connectorId: { tenantId: b.id, connectorId: 'telegram' } },
      data: { secrets: JSON.stringify(sealedOfA) },
    });
    expect(() => keyRing.decrypt(sealedOfA.bot_token!, fieldContext(b.id, 'bot_token'))).toThrow();

    await world.restart();
    const view = await world.gateway.request({ method: 'GET', url: CONFIG_URL, token: b.apiToken });
    expectError(view, 500, 'CONFIG_UNREADABLE');
    for (const leaked of [a.botToken, a.webhookSecret, mask(a.botToken), mask(a.webhookSecret)]) {
      expect(view.body).not.toContain(leaked);
    }
    const messages = await world.store.db.message.count();
    const forged = await world.gateway.postUpdate(b.slug, { update_id: 5, message: {} }, a.webhookSecret);
    expect(forged.statusCode).toBeGreaterThanOrEqual(400);
    expect(await world.store.db.message.count()).toBe(messages);
  });

  it('does not decrypt a ciphertext moved to another field of the same row', async () => {
    const tenant = await world.connectedTenant('bakery');
    const sealed = await sealedSecrets(world, tenant);
    await world.store.db.connectorConfig.update({
      where: { tenantId_connectorId: { tenantId: tenant.id, connectorId: 'telegram' } },
      data: {
        secrets: JSON.stringify({ bot_token: sealed.webhook_secret, webhook_secret: sealed.bot_token }),
      },
    });
    await world.restart();
    const view = await world.gateway.request({ method: 'GET', url: CONFIG_URL, token: tenant.apiToken });
    expectError(view, 500, 'CONFIG_UNREADABLE');
  });
});

describe('key ring', () => {
  const context = 'tenant-1/telegram/bot_token';
  const keyOfLength = (bytes: number) => randomBytes(bytes).toString('base64');

  it('round-trips a value and seals it differently each time', () => {
    const keyRing = parseKeyRing(generateKeySpecification());
    const first = keyRing.encrypt('secret value', context);
    const second = keyRing.encrypt('secret value', context);
    expect(first).not.toBe(second);
    expect(first.split('.').slice(0, 2)).toEqual(['v1', keyRing.activeKeyId]);
    expect(keyRing.decrypt(first, context)).toBe('secret value');
    expect(keyRing.decrypt(second, context)).toBe('secret value');
  });

  it.each([16, 31, 33, 64])('refuses a key of %i bytes', (bytes) => {
    expect(() => parseKeyRing(`k1:${keyOfLength(bytes)}`)).toThrow(/32 bytes/);
  });

  it('refuses two keys with the same id, named or derived', () => {
    expect(() => parseKeyRing(`same:${keyOfLength(32)},same:${keyOfLength(32)}`)).toThrow(/share one id/);
    const bare = keyOfLength(32);
    expect(() => parseKeyRing(`${bare},${bare}`)).toThrow(/share one id/);
  });

  it('refuses an empty specification and a key id with characters outside [A-Za-z0-9_-]', () => {
    expect(() => parseKeyRing(' , ')).toThrow(/no key/);
    expect(() => parseKeyRing(`bad.id:${keyOfLength(32)}`)).toThrow(/key id/);
  });

  it('derives a stable id for a bare key', () => {
    const bare = keyOfLength(32);
    expect(parseKeyRing(bare).activeKeyId).toMatch(/^k[0-9a-f]{8}$/);
    expect(parseKeyRing(bare).activeKeyId).toBe(parseKeyRing(`${bare},${keyOfLength(32)}`).activeKeyId);
  });

  it('encrypts with the newest key and decrypts with any key in the ring', () => {
    const older = generateKeySpecification();
    const sealed = parseKeyRing(older).encrypt('value', context);
    const rotated = parseKeyRing(`${generateKeySpecification()},${older}`);
    expect(rotated.decrypt(sealed, context)).toBe('value');
    expect(rotated.isStale(sealed)).toBe(true);
    expect(rotated.isStale(rotated.encrypt('value', context))).toBe(false);
  });

  it('refuses a value sealed with a key that is not in the ring', () => {
    const sealed = parseKeyRing(generateKeySpecification()).encrypt('value', context);
    expect(() => parseKeyRing(generateKeySpecification()).decrypt(sealed, context)).toThrow(
      /not in the key ring/,
    );
  });

  it('refuses a tampered ciphertext, tag or IV, another context, and an unknown format', () => {
    const keyRing = parseKeyRing(generateKeySpecification());
    const sealed = keyRing.encrypt('a secret worth protecting', context);
    const parts = sealed.split('.');
    const flipFirst = (text: string) => `${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`;
    for (const index of [2, 3, 4]) {
      const tampered = parts.map((part, position) => (position === index ? flipFirst(part) : part)).join('.');
      expect(() => keyRing.decrypt(tampered, context), `part ${index}`).toThrow();
    }
    expect(() => keyRing.decrypt(sealed, 'tenant-2/telegram/bot_token')).toThrow();
    expect(() => keyRing.decrypt(`v2.${parts.slice(1).join('.')}`, context)).toThrow(/unknown format/);
    expect(() => keyRing.decrypt('plaintext', context)).toThrow(/unknown format/);
  });
});

describe('loadKeyRing', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'switchboard-keys-')), 'data');
  });

  afterEach(async () => {
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('generates <dataDir>/secret.key with mode 0600 on first use and reuses it afterwards', async () => {
    const file = path.join(dataDir, 'secret.key');
    const first = await loadKeyRing({ specification: undefined, dataDir });
    expect(first.generatedFile).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const sealed = first.keyRing.encrypt('value', 'context');

    const second = await loadKeyRing({ specification: undefined, dataDir });
    expect(second.generatedFile).toBeUndefined();
    expect(second.keyRing.activeKeyId).toBe(first.keyRing.activeKeyId);
    expect(second.keyRing.decrypt(sealed, 'context')).toBe('value');
  });

  it('uses a given specification and writes no file', async () => {
    const specification = generateKeySpecification();
    const loaded = await loadKeyRing({ specification, dataDir });
    expect(loaded.generatedFile).toBeUndefined();
    expect(loaded.keyRing.activeKeyId).toBe(parseKeyRing(specification).activeKeyId);
    await expect(stat(path.join(dataDir, 'secret.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
