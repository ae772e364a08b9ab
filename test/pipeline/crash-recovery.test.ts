/**
 * Crash recovery with real processes: a gateway is killed with SIGKILL at the worst moments
 * and a new one is started on the same database. Every inbound message must end up with
 * exactly one reply.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_OPENAI_KEY, type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-chat.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, postgresServerUrl, type TestStore } from '../support/database.ts';
import { ADMIN_TOKEN, eventually, queueSettled, textUpdate } from '../support/gateway.ts';
import { crashTestEnvironment, type GatewayProcess, spawnGateway } from '../support/process.ts';

describe('crash recovery', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let dataDir: string;
  let environment: Record<string, string>;
  const processes: GatewayProcess[] = [];

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-crash-'));
    environment = crashTestEnvironment({
      databaseUrl: store.url,
      dataDir,
      telegramApiRoot: telegram.apiRoot,
    });
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((gateway) => gateway.stop('SIGKILL')));
    await telegram.close();
    await store.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(overrides: Record<string, string> = {}): Promise<GatewayProcess> {
    const gateway = await spawnGateway({ ...environment, ...overrides });
    processes.push(gateway);
    return gateway;
  }

  async function call(gateway: GatewayProcess, method: string, path: string, body?: unknown, headers = {}) {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Creates a tenant with Telegram configured; returns its slug and the webhook secret. */
  async function provision(gateway: GatewayProcess): Promise<{ slug: string; secret: string }> {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const created = await call(
      gateway,
      'POST',
      '/admin/tenants',
      { slug: 'florist', name: 'Florist' },
      admin,
    );
    expect(created.status).toBe(201);
    const tenant = { authorization: `Bearer ${String(created.body.apiToken)}` };
    const saved = await call(
      gateway,
      'PUT',
      '/admin/connector-hub/telegram/config',
      { bot_token: FAKE_BOT_TOKEN },
      tenant,
    );
    expect(saved.body.status).toBe('connected');
    const registration = telegram.calls.findLast((entry) => entry.method === 'setWebhook');
    return { slug: 'florist', secret: String(registration!.body.secret_token) };
  }

  const postUpdate = (gateway: GatewayProcess, slug: string, secret: string, update: unknown) =>
    call(gateway, 'POST', `/webhook/telegram/${slug}`, update, { 'x-telegram-bot-api-secret-token': secret });

  const settled = () => queueSettled(store.db);

  it('answers once when killed while the respond job is waiting for the model', async () => {
    const model: FakeOpenAi = await startFakeOpenAi();
    try {
      const withModel = {
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: FAKE_OPENAI_KEY,
        OPENAI_MODEL: 'fake-model',
      };
      // The first process's model call hangs; the process is killed while it waits.
      model.script({ delayMs: 120_000, response: { text: 'too late' } }, { text: 'Hello from the florist!' });
      const first = await start(withModel);
      const { slug, secret } = await provision(first);
      const update = textUpdate({ updateId: 1, messageId: 11, chatId: 5550000001, text: 'hello' });
      expect((await postUpdate(first, slug, secret, update)).status).toBe(200);
      await eventually(() => model.requests.length === 1, 20_000, 'the model call');
      const inFlight = await store.db.job.findFirstOrThrow({ where: { kind: 'respond' } });
      expect(inFlight).toMatchObject({ status: 'running', attempts: 1 });
      await first.stop('SIGKILL');
      expect(telegram.sent()).toHaveLength(0);

      const second = await start(withModel);
      await eventually(() => telegram.sent().length === 1, 30_000, 'the reply');
      expect(telegram.sent()[0]!.text).toBe('Hello from the florist!');
      // Telegram redelivers the update the dead process had acknowledged: still one reply.
      expect((await postUpdate(second, slug, secret, update)).body).toMatchObject({
        stored: 0,
        duplicates: 1,
      });
      await settled();
      expect(telegram.sent()).toHaveLength(1);
      // The second process took the job over after the dead one's lease expired.
      const respond = await store.db.job.findFirstOrThrow({ where: { kind: 'respond' } });
      expect(respond).toMatchObject({ status: 'done', attempts: 2 });
      expect(respond.lockedBy).not.toBe(inFlight.lockedBy);
    } finally {
      await model.close();
    }
  }, 180_000);

  it('answers once when killed while Telegram is answering 500', { timeout: 180_000 }, async () => {
    const first = await start();
    const { slug, secret } = await provision(first);
    telegram.fail('sendMessage', [{ status: 500, delayMs: 10_000 }]);
    await postUpdate(
      first,
      slug,
      secret,
      textUpdate({ updateId: 2, messageId: 12, chatId: 5550000002, text: 'hi' }),
    );
    await eventually(
      () => telegram.calls.some((entry) => entry.method === 'sendMessage'),
      15_000,
      'a send attempt',
    );
    await first.stop('SIGKILL');
    expect(telegram.sent()).toHaveLength(0);

    await start();
    await eventually(() => telegram.sent().length === 1, 15_000, 'the reply after restart');
    await settled();
    expect(telegram.sent()).toHaveLength(1);
    expect(await store.db.outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'sent' });
  });

  // Several processes on one database is the scale-out mode, which is PostgreSQL; the
  // embedded SQLite default is one process (see the README).
  it.runIf(postgresServerUrl())(
    'lets two processes share one queue without answering anything twice',
    async () => {
      // Nobody is killed here: a long lease keeps a starved process's jobs its own.
      const steady = { JOB_LEASE_MS: '30000' };
      const first = await start(steady);
      const { slug, secret } = await provision(first);
      const second = await start(steady);
      const updates = Array.from({ length: 40 }, (_, index) =>
        textUpdate({
          updateId: 100 + index,
          messageId: 100 + index,
          chatId: 5550001000 + index,
          text: 'hello',
        }),
      );
      // Every update goes to both processes, as a load balancer retrying would do.
      const responses = await Promise.all(
        updates.flatMap((update) => [
          postUpdate(first, slug, secret, update),
          postUpdate(second, slug, secret, update),
        ]),
      );
      expect(responses.filter((response) => response.status !== 200)).toEqual([]);
      await eventually(() => telegram.sent().length >= updates.length, 20_000, 'all replies');
      await settled();
      expect(await store.db.message.count({ where: { direction: 'inbound' } })).toBe(updates.length);
      const chats = telegram.sent().map((message) => message.chat_id);
      expect(chats).toHaveLength(updates.length);
      expect(new Set(chats).size).toBe(updates.length);
      // Every respond job finished, and both processes ran some of them (the last runner stays recorded).
      const jobs = await store.db.job.findMany({
        where: { kind: 'respond' },
        select: { lockedBy: true, status: true },
      });
      expect(jobs).toHaveLength(updates.length);
      expect(jobs.filter((job) => job.status !== 'done')).toEqual([]);
      const workers = new Set(jobs.map((job) => job.lockedBy?.split(':')[1]));
      expect(workers).toEqual(new Set([String(first.child.pid), String(second.child.pid)]));
    },
    180_000,
  );

  it('hands unfinished work to another process at once when shut down with SIGTERM', async () => {
    // A minute-long lease: without the release at shutdown, nobody could take the job for a minute.
    const slow = { JOB_LEASE_MS: '60000', SHUTDOWN_DRAIN_MS: '300' };
    const first = await start(slow);
    const { slug, secret } = await provision(first);
    telegram.fail('sendMessage', [{ status: 500, delayMs: 120_000 }]);
    await postUpdate(
      first,
      slug,
      secret,
      textUpdate({ updateId: 3, messageId: 13, chatId: 5550000003, text: 'hi' }),
    );
    await eventually(
      () => telegram.calls.some((entry) => entry.method === 'sendMessage'),
      20_000,
      'a send attempt',
    );
    const stopping = Date.now();
    await first.stop('SIGTERM');
    expect(first.child.exitCode).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(15_000);
    expect(await store.db.job.findFirstOrThrow({ where: { kind: 'deliver' } })).toMatchObject({
      status: 'queued',
      lockedBy: null,
    });

    await start(slow);
    const restarted = Date.now();
    await eventually(() => telegram.sent().length === 1, 30_000, 'the reply from the second process');
    expect(Date.now() - restarted).toBeLessThan(30_000);
    await settled();
    expect(telegram.sent()).toHaveLength(1);
  }, 180_000);
});
