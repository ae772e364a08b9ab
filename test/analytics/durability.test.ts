/**
 * Losing no event: a gateway process killed with SIGKILL right after acknowledging keeps
 * every event it acknowledged, including the ones written in the transaction of the change
 * they describe; a graceful shutdown writes everything still buffered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../src/analytics/catalog.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { ADMIN_TOKEN, eventually, queueSettled, startTestGateway, textUpdate } from '../support/gateway.ts';
import { crashTestEnvironment, type GatewayProcess, spawnGateway } from '../support/process.ts';
import { conversationId, exampleProperties } from './support.ts';

describe('analytics durability', () => {
  let store: TestStore;
  let telegram: FakeTelegram;

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
  });

  afterEach(async () => {
    await telegram.close();
    await store.dispose();
  });

  // Starting gateway processes takes seconds each on a busy two-core machine.
  describe('with a real process killed by SIGKILL', { timeout: 120_000 }, () => {
    let dataDir: string;
    let environment: Record<string, string>;
    const processes: GatewayProcess[] = [];

    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'switchboard-analytics-crash-'));
      environment = crashTestEnvironment({
        databaseUrl: store.url,
        dataDir,
        telegramApiRoot: telegram.apiRoot,
      });
    });

    afterEach(async () => {
      await Promise.all(processes.splice(0).map((gateway) => gateway.stop('SIGKILL')));
      await rm(dataDir, { recursive: true, force: true });
    });

    async function start(overrides: Record<string, string> = {}): Promise<GatewayProcess> {
      const gateway = await spawnGateway({ ...environment, ...overrides });
      processes.push(gateway);
      return gateway;
    }

    async function call(
      gateway: GatewayProcess,
      path: string,
      body: unknown,
      headers: Record<string, string>,
    ) {
      const response = await fetch(`${gateway.url}${path}`, {
        method: path.includes('/config') ? 'PUT' : 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    /** A tenant (with a Telegram bot when asked) and a collector write key, through the HTTP API. */
    async function provision(gateway: GatewayProcess, withTelegram = false) {
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const created = await call(gateway, '/admin/tenants', { slug: 'agency', name: 'Agency' }, admin);
      expect(created.status).toBe(201);
      const tenant = { authorization: `Bearer ${String(created.body.apiToken)}` };
      const key = await call(gateway, '/admin/analytics/write-keys', { label: 'crash' }, tenant);
      expect(key.status).toBe(201);
      let secret = '';
      if (withTelegram) {
        const saved = await call(
          gateway,
          '/admin/connector-hub/telegram/config',
          { bot_token: FAKE_BOT_TOKEN },
          tenant,
        );
        expect(saved.body.status).toBe('connected');
        secret = String(telegram.calls.findLast((entry) => entry.method === 'setWebhook')!.body.secret_token);
      }
      return { tenantId: String(created.body.id), writeKey: String(key.body.writeKey), secret };
    }

    it('keeps every integration_used_in_chat event it acknowledged before the kill', async () => {
      const gateway = await start({ WORKER_CONCURRENCY: '0' });
      const { tenantId, writeKey } = await provision(gateway);
      const calls = Array.from({ length: 20 }, () => ({
        event: 'integration_used_in_chat',
        properties: { ...exampleProperties.integration_used_in_chat, chat_id: conversationId() },
      }));
      const answers = await Promise.all(
        calls.map((body) => call(gateway, '/analytics/track', body, { 'x-write-key': writeKey })),
      );
      await gateway.stop('SIGKILL');
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      const stored = await store.db.analyticsEvent.findMany({
        where: { tenantId, name: 'integration_used_in_chat' },
        select: { chatId: true },
      });
      expect(stored.map((row) => row.chatId).sort()).toEqual(
        calls.map((body) => body.properties.chat_id).sort(),
      );
    });

    it('keeps message_received with the message it describes, and records the reply once after a restart', async () => {
      const first = await start({ WORKER_CONCURRENCY: '0' });
      const { tenantId, secret } = await provision(first, true);
      const update = textUpdate({ updateId: 1, messageId: 11, chatId: 5550008001, text: 'hello' });
      const delivered = await call(first, '/webhook/telegram/agency', update, {
        'x-telegram-bot-api-secret-token': secret,
      });
      expect(delivered.status).toBe(200);
      await first.stop('SIGKILL');
      const count = (name: string) => store.db.analyticsEvent.count({ where: { tenantId, name } });
      expect(await store.db.message.count({ where: { tenantId, direction: 'inbound' } })).toBe(1);
      expect(await count('message_received')).toBe(1);
      expect(await count('message_sent')).toBe(0);

      await start();
      await eventually(() => telegram.sent().length === 1, 15_000, 'the reply after the restart');
      await queueSettled(store.db);
      expect(await count('message_sent')).toBe(1);
      expect(await count('message_received')).toBe(1);
    });
  });

  it('writes buffered events on a graceful shutdown', async () => {
    const gateway = await startTestGateway({ store, telegram });
    const tenant = await gateway.createTenant('shutdown');
    const event: TrackedEvent = {
      event: 'integration_data_fetched',
      tenantId: tenant.id,
      properties: exampleProperties.integration_data_fetched,
    };
    for (let index = 0; index < 1_234; index += 1) gateway.app.analytics.track(event);
    expect(gateway.app.analytics.stats().buffered).toBeGreaterThan(0);
    await gateway.close();
    expect(await store.db.analyticsEvent.count({ where: { tenantId: tenant.id } })).toBe(1_234);
  });
});
