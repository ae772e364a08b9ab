/**
 * An in-process gateway for integration tests: the real app on a real database (SQLite,
 * or PostgreSQL when DATABASE_URL says so), pointed at a loopback fake Telegram.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { generateKeySpecification, type KeyRing, parseKeyRing } from '../../src/connectors/key-ring.ts';
import { parseConfig } from '../../src/core/config.ts';
import type { Tool } from '../../src/integrations/types.ts';
import { type AppDependencies, buildApp } from '../../src/server/app.ts';
import { ensureAdminToken } from '../../src/server/auth.ts';
import type { Store } from '../../src/store/index.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram } from '../fakes/telegram-api.ts';
import { TEST_EGRESS_ALLOW } from './egress.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const PUBLIC_URL = 'https://gateway.test';

export interface TestTenant {
  id: string;
  slug: string;
  apiToken: string;
}

export interface TestGateway {
  app: FastifyInstance;
  keyRing: KeyRing;
  request(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  createTenant(slug: string, name?: string): Promise<TestTenant>;
  /** Saves a Telegram configuration; returns the webhook secret the gateway registered with the fake. */
  configureTelegram(tenant: TestTenant, values?: Record<string, string>): Promise<string>;
  postUpdate(slug: string, update: unknown, secret: string | undefined): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  store: Store;
  telegram: FakeTelegram;
  environment?: Record<string, string>;
  /** Extra agent tools (a test's own), beside the built-in ones. */
  tools?: Tool[];
  keyRing?: KeyRing;
  /** The built web UI to serve at `/` (browser tests). */
  webRoot?: string;
  /** Logging and server timeouts, where a test needs other than silence and the defaults. */
  server?: Pick<AppDependencies, 'logger' | 'serverTimeouts' | 'clock' | 'whatsappQr'>;
}

export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const config = parseConfig({
    PUBLIC_URL,
    TELEGRAM_API_ROOT: options.telegram.apiRoot,
    SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
    WORKER_CONCURRENCY: '4',
    RETRY_BASE_MS: '20',
    RETRY_MAX_MS: '100',
    MAX_DELIVERY_ATTEMPTS: '4',
    JOB_LEASE_MS: '2000',
    SWITCHBOARD_EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    // A WhatsApp (QR) link started by a test without a stand-in socket reaches loopback, never WhatsApp.
    WHATSAPP_QR_WEBSOCKET_URL: 'ws://127.0.0.1:9/',
    ...options.environment,
  });
  const keyRing = options.keyRing ?? parseKeyRing(generateKeySpecification());
  const app = await buildApp({
    config,
    store: options.store,
    keyRing,
    logger: false,
    pollMs: 25,
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
    ...options.server,
  });
  await ensureAdminToken(options.store.db, ADMIN_TOKEN);

  let closing: Promise<void> | undefined;
  const request: TestGateway['request'] = ({ token, headers, ...rest }) =>
    app.inject({ ...rest, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

  return {
    app,
    keyRing,
    request,
    async createTenant(slug, name = `Tenant ${slug}`) {
      const response = await request({
        method: 'POST',
        url: '/admin/tenants',
        token: ADMIN_TOKEN,
        payload: { slug, name },
      });
      if (response.statusCode !== 201) throw new Error(`creating tenant failed: ${response.body}`);
      return response.json<TestTenant>();
    },
    async configureTelegram(tenant, values = { bot_token: FAKE_BOT_TOKEN }) {
      const response = await request({
        method: 'PUT',
        url: '/admin/connector-hub/telegram/config',
        token: tenant.apiToken,
        payload: values,
      });
      if (response.statusCode !== 200) throw new Error(`configuring telegram failed: ${response.body}`);
      const registration = options.telegram.calls.findLast(
        (call) =>
          call.method === 'setWebhook' && String(call.body.url).endsWith(`/webhook/telegram/${tenant.slug}`),
      );
      if (!registration) throw new Error('the gateway did not call setWebhook');
      return String(registration.body.secret_token);
    },
    postUpdate(slug, update, secret) {
      return app.inject({
        method: 'POST',
        url: `/webhook/telegram/${slug}`,
        headers: {
          'content-type': 'application/json',
          ...(secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret }),
        },
        payload: JSON.stringify(update),
      });
    },
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until no job is queued or running: everything the pipeline had to do is done. */
export function queueSettled(db: Store['db'], timeoutMs = 15_000): Promise<boolean> {
  return eventually(
    async () => (await db.job.count({ where: { status: { in: ['queued', 'running'] } } })) === 0,
    timeoutMs,
    'the queue to settle',
  );
}

/** A private-chat text update from the given user, shaped like Telegram's. */
export function textUpdate(options: {
  updateId: number;
  messageId: number;
  chatId: number;
  text: string;
  languageCode?: string;
}) {
  return {
    update_id: options.updateId,
    message: {
      message_id: options.messageId,
      from: {
        id: options.chatId,
        is_bot: false,
        first_name: 'Ada',
        last_name: 'Test',
        language_code: options.languageCode ?? 'en',
      },
      chat: { id: options.chatId, first_name: 'Ada', type: 'private' },
      date: 1767268800,
      text: options.text,
    },
  };
}
