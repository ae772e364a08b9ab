/**
 * Shared setup for the API and security suites: a fresh database, a fake Telegram and an
 * in-process gateway per test, plus the few helpers every suite needs (tenants that have
 * chatted with their bot, the error-shape check, waiting for the queue).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { KeyRing } from '../../src/connectors/key-ring.ts';
import { hashToken } from '../../src/server/auth.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import {
  queueSettled,
  startTestGateway,
  type TestGateway,
  type TestTenant,
  textUpdate,
} from '../support/gateway.ts';

/** A second bot the fake accepts, so two tenants never share a secret. */
export const SECOND_BOT_TOKEN = '7000000002:second-bot_token-of-tenant-b';

/** A tenant whose Telegram bot is configured, with the webhook secret the gateway registered. */
export interface ConnectedTenant extends TestTenant {
  botToken: string;
  webhookSecret: string;
}

export interface WorldOptions {
  /** Bot tokens the fake accepts; default both test bots. */
  tokens?: string[];
  /** One world for all tests of the suite instead of one per test (tests then use their own tenants). */
  shared?: boolean;
}

/** The per-test state; fields are replaced before each test. */
export class GatewayWorld {
  store!: TestStore;
  telegram!: FakeTelegram;
  gateway!: TestGateway;
  private lastId = 0;

  constructor(private readonly options: WorldOptions) {}

  async start(): Promise<void> {
    this.store = await createTestStore();
    this.telegram = await startFakeTelegram({
      tokens: this.options.tokens ?? [FAKE_BOT_TOKEN, SECOND_BOT_TOKEN],
    });
    this.gateway = await startTestGateway({ store: this.store, telegram: this.telegram });
  }

  async stop(): Promise<void> {
    await this.gateway.close();
    await this.telegram.close();
    await this.store.dispose();
  }

  /** Stops the gateway and starts a new one on the same database, as a process restart would. */
  async restart(options: { keyRing?: KeyRing } = {}): Promise<void> {
    await this.gateway.close();
    this.gateway = await startTestGateway({
      store: this.store,
      telegram: this.telegram,
      keyRing: options.keyRing ?? this.gateway.keyRing,
    });
  }

  /** Creates a tenant and saves its Telegram configuration with `botToken`. */
  async connectedTenant(slug: string, botToken = FAKE_BOT_TOKEN): Promise<ConnectedTenant> {
    const tenant = await this.gateway.createTenant(slug);
    const webhookSecret = await this.gateway.configureTelegram(tenant, { bot_token: botToken });
    return { ...tenant, botToken, webhookSecret };
  }

  /** Posts one private text message from `chatId`; fails unless the gateway accepts it. Returns the update. */
  async say(tenant: ConnectedTenant, chatId: number, text: string): Promise<ReturnType<typeof textUpdate>> {
    this.lastId += 1;
    const update = textUpdate({ updateId: this.lastId, messageId: this.lastId, chatId, text });
    const response = await this.gateway.postUpdate(tenant.slug, update, tenant.webhookSecret);
    expect(response.statusCode, response.body).toBe(200);
    return update;
  }

  /** Waits until no job is queued or running, so replies are delivered and stored. */
  settled(): Promise<boolean> {
    return queueSettled(this.store.db);
  }

  /** The id of the API token row behind a bearer token. */
  async tokenId(token: string): Promise<string> {
    const row = await this.store.db.apiToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    return row.id;
  }

  /** A tenant's stored connector row, as the database holds it. */
  connectorRow(tenant: TestTenant, connectorId = 'telegram') {
    return this.store.db.connectorConfig.findUnique({
      where: { tenantId_connectorId: { tenantId: tenant.id, connectorId } },
    });
  }
}

/** Registers hooks that give each test its own world, or the whole suite one when `shared`. */
export function useGatewayWorld(options: WorldOptions = {}): GatewayWorld {
  const world = new GatewayWorld(options);
  (options.shared ? beforeAll : beforeEach)(() => world.start());
  (options.shared ? afterAll : afterEach)(() => world.stop());
  return world;
}

/** Asserts an error answer: the status, the code, and a body of exactly `error` and `message`. */
export function expectError(response: LightMyRequestResponse, status: number, code: string): string {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json<Record<string, unknown>>();
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe(code);
  expect(typeof body.message).toBe('string');
  return String(body.message);
}
