/**
 * Delivery when the database or the lease fails around a send: the real gateway on a real
 * database (SQLite, or PostgreSQL with DATABASE_URL), the fake Telegram at the network
 * boundary, and faults injected in the database itself with a trigger.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { telegramAdapter } from '../../src/channels/telegram/adapter.ts';
import { enqueueReply, splitterFor } from '../../src/dispatcher/outbox.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, postgresServerUrl, type TestStore } from '../support/database.ts';
import {
  eventually,
  queueSettled,
  startTestGateway,
  type TestGateway,
  type TestTenant,
  textUpdate,
} from '../support/gateway.ts';

describe('delivery under database and lease faults', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let gateway: TestGateway;
  let tenant: TestTenant;

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    gateway = await startTestGateway({
      store,
      telegram,
      // Enough attempts, spaced enough, that a fault lasting a few seconds is outlived.
      environment: { MAX_DELIVERY_ATTEMPTS: '20', RETRY_BASE_MS: '200', RETRY_MAX_MS: '400' },
    });
    tenant = await gateway.createTenant('bakery');
    const secret = await gateway.configureTelegram(tenant);
    await gateway.postUpdate(
      tenant.slug,
      textUpdate({ updateId: 1, messageId: 11, chatId: 5550000001, text: 'hi' }),
      secret,
    );
    await eventually(() => telegram.sent().length === 1, 10_000, 'the first reply');
    await queueSettled(store.db);
  });

  afterEach(async () => {
    await gateway.close();
    await telegram.close();
    await store.dispose();
  });

  /** Records a reply the way the respond job does and wakes the worker; does not wait for it. */
  async function recordReply(text: string, idempotencyKey: string): Promise<void> {
    const conversation = await store.db.conversation.findFirstOrThrow();
    await sqlOf(store.db).transaction((tx) =>
      enqueueReply(tx, {
        tenantId: tenant.id,
        conversationId: conversation.id,
        channel: 'telegram',
        text,
        idempotencyKey,
        split: splitterFor(telegramAdapter),
        maxAttempts: 20,
        nowMs: Date.now(),
      }),
    );
    gateway.app.worker?.wake();
  }

  /** Makes every update of an outbox row to `status` fail, until `liftFault`. */
  async function injectFault(status: 'sending' | 'sent'): Promise<void> {
    if (store.dialect === 'postgresql') {
      await store.db.$executeRawUnsafe(
        `CREATE FUNCTION delivery_fault() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'injected fault'; END $$`,
      );
      await store.db.$executeRawUnsafe(
        `CREATE TRIGGER delivery_fault BEFORE UPDATE ON "outbox" FOR EACH ROW
         WHEN (NEW."status" = '${status}') EXECUTE FUNCTION delivery_fault()`,
      );
    } else {
      await store.db.$executeRawUnsafe(
        `CREATE TRIGGER delivery_fault BEFORE UPDATE OF "status" ON "outbox"
         WHEN NEW."status" = '${status}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
      );
    }
  }

  async function liftFault(): Promise<void> {
    if (store.dialect === 'postgresql') {
      await store.db.$executeRawUnsafe('DROP TRIGGER delivery_fault ON "outbox"');
      await store.db.$executeRawUnsafe('DROP FUNCTION delivery_fault()');
    } else {
      await store.db.$executeRawUnsafe('DROP TRIGGER delivery_fault');
    }
  }

  const deliverJob = () =>
    store.db.job.findFirst({ where: { kind: 'deliver' }, orderBy: { createdAt: 'desc' } });
  const copiesOf = (text: string) => telegram.sent().filter((message) => message.text === text).length;

  it('sends once and ends sent when recording the accepted send fails for a while', async () => {
    await injectFault('sent');
    await recordReply('Your order is ready.', 'fault-after-send');
    await eventually(() => copiesOf('Your order is ready.') === 1, 10_000, 'the send');
    // The in-place retries gave up and the job went back to the queue to record it later.
    await eventually(
      async () => (await deliverJob())?.lastError?.includes('recording a sent message failed'),
      15_000,
      'the job to be retried for its bookkeeping',
    );
    expect(
      await store.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: 'fault-after-send' } }),
    ).toMatchObject({
      status: 'sending',
    });
    await liftFault();
    await queueSettled(store.db);

    expect(copiesOf('Your order is ready.')).toBe(1);
    const outbox = await store.db.outboxMessage.findUniqueOrThrow({
      where: { idempotencyKey: 'fault-after-send' },
      include: { message: true },
    });
    expect(outbox).toMatchObject({ status: 'sent', attempts: 1 });
    const accepted = telegram.sent().find((message) => message.text === 'Your order is ready.')!;
    expect(outbox.message).toMatchObject({
      status: 'sent',
      providerMessageId: `${accepted.chat_id}:${accepted.message_id}`,
    });
    expect((await deliverJob())?.status).toBe('done');
  });

  it.runIf(postgresServerUrl())(
    'sends once and ends sent when the database connections drop while the provider answers',
    async () => {
      telegram.delay('sendMessage', 1_000);
      await recordReply('See you tomorrow.', 'dropped-connections');
      await eventually(() => copiesOf('See you tomorrow.') === 1, 10_000, 'the send');
      // Every other connection of this database is cut while Telegram's answer is on its way.
      const dropped = await store.db.$queryRaw<Array<{ dropped: boolean }>>`
        SELECT pg_terminate_backend(pid) AS dropped FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`;
      expect(dropped.length).toBeGreaterThan(0);
      telegram.delay('sendMessage', 0);
      await queueSettled(store.db);

      expect(copiesOf('See you tomorrow.')).toBe(1);
      expect(
        await store.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: 'dropped-connections' } }),
      ).toMatchObject({ status: 'sent', attempts: 1 });
    },
  );

  it('retries a database fault before the send instead of dead-lettering the reply', async () => {
    await injectFault('sending');
    await recordReply('We open at nine.', 'fault-before-send');
    await eventually(
      async () =>
        (
          await store.db.outboxMessage.findUnique({ where: { idempotencyKey: 'fault-before-send' } })
        )?.lastError?.includes('TRANSIENT_FAILURE'),
      10_000,
      'a retried failure',
    );
    const during = await store.db.outboxMessage.findUniqueOrThrow({
      where: { idempotencyKey: 'fault-before-send' },
      include: { message: true },
    });
    expect(during.status).toBe('pending');
    expect(during.message.status).not.toBe('failed');
    expect(copiesOf('We open at nine.')).toBe(0);
    await liftFault();
    await queueSettled(store.db);

    expect(copiesOf('We open at nine.')).toBe(1);
    expect(
      await store.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: 'fault-before-send' } }),
    ).toMatchObject({ status: 'sent' });
  });

  it('stops a job whose lease went to another worker before its next send', async () => {
    const pieces = Array.from({ length: 2 }, (_, index) => `${String(index).repeat(4000)}`);
    // Telegram takes each message at once but answers late: the lease is taken meanwhile.
    telegram.delay('sendMessage', 1_500);
    await recordReply(pieces.join('\n\n'), 'lost-lease');
    await eventually(() => copiesOf(pieces[0]!) === 1, 10_000, 'the first piece');
    const stolen = await store.db.job.updateMany({
      where: { kind: 'deliver', status: 'running' },
      data: { lockedBy: 'another-worker', lockedUntilMs: BigInt(Date.now() + 60_000) },
    });
    expect(stolen.count).toBe(1);
    // Longer than the late answer and a lease renewal: the second piece would be out by now.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(copiesOf(pieces[1]!)).toBe(0);
    const rows = await store.db.outboxMessage.findMany({
      where: { idempotencyKey: { startsWith: 'lost-lease' } },
      orderBy: { createdAt: 'asc' },
    });
    // What was sent is recorded as sent; the rest waits for the job's new owner.
    expect(rows.map((row) => row.status)).toEqual(['sent', 'pending']);
    expect(await deliverJob()).toMatchObject({ status: 'running', lockedBy: 'another-worker' });

    // The other worker "dies": its lease expires, this gateway's worker takes over and finishes.
    telegram.delay('sendMessage', 0);
    await store.db.job.updateMany({
      where: { kind: 'deliver', lockedBy: 'another-worker' },
      data: { lockedUntilMs: BigInt(0) },
    });
    gateway.app.worker?.wake();
    await queueSettled(store.db);
    expect(copiesOf(pieces[0]!)).toBe(1);
    expect(copiesOf(pieces[1]!)).toBe(1);
  });
});
