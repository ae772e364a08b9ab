import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { ConnectorValues } from '../../src/core/connector.ts';
import {
  createStaffNotifier,
  NOTIFY_STAFF_JOB,
  type StaffNotifier,
} from '../../src/notifications/staff-notifier.ts';
import type { LeasedJob } from '../../src/queue/jobs.ts';
import { type FakeSmtpServer, smtpValues, startFakeSmtpServer } from '../fakes/smtp-server.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { testEgress } from '../support/egress.ts';

describe('staff notifications', () => {
  let store: TestStore;
  let smtp: FakeSmtpServer;
  let smtpConfig: ConnectorValues | undefined;
  let notifier: StaffNotifier;
  let tenantId: string;
  let conversationId: string;

  beforeEach(async () => {
    store = await createTestStore();
    smtp = await startFakeSmtpServer();
    smtpConfig = smtpValues(smtp);
    notifier = createStaffNotifier({
      db: store.db,
      clock: systemClock,
      loadSmtpConfig: async () => smtpConfig,
      egress: testEgress,
    });
    const tenant = await store.db.tenant.create({ data: { slug: 'bakery', name: 'Bakery Ada' } });
    const contact = await store.db.contact.create({
      data: { tenantId: tenant.id, displayName: 'Bea Beispiel' },
    });
    const conversation = await store.db.conversation.create({
      data: {
        tenantId: tenant.id,
        contactId: contact.id,
        channel: 'email',
        externalChatId: 'bea@example.net',
      },
    });
    await store.db.message.create({
      data: {
        tenantId: tenant.id,
        conversationId: conversation.id,
        channel: 'email',
        direction: 'inbound',
        providerMessageId: 'm1',
        kind: 'text',
        text: 'my secret order details',
        status: 'received',
      },
    });
    tenantId = tenant.id;
    conversationId = conversation.id;
  });

  afterEach(async () => {
    await smtp.close();
    await store.dispose();
  });

  /** Runs the queued notice jobs the way the worker would. */
  async function runNoticeJobs(): Promise<void> {
    const jobs = await store.db.job.findMany({ where: { kind: NOTIFY_STAFF_JOB } });
    for (const job of jobs) {
      const leased: LeasedJob = {
        id: job.id,
        tenantId: job.tenantId,
        kind: job.kind,
        payload: JSON.parse(job.payload),
        attempts: 1,
        maxAttempts: job.maxAttempts,
      };
      await notifier.jobHandlers[NOTIFY_STAFF_JOB](leased, {
        signal: new AbortController().signal,
        confirmLease: async () => {},
      });
    }
  }

  it('tells staff that a conversation needs a person, durably queued in the caller’s transaction', async () => {
    await store.db.$transaction((tx) =>
      notifier.conversationNeedsHuman(tx, {
        tenantId,
        conversationId,
        channel: 'email',
        reason: 'asked for a person',
      }),
    );
    expect(await store.db.job.count({ where: { kind: NOTIFY_STAFF_JOB, tenantId } })).toBe(1);
    await runNoticeJobs();
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail).toMatchObject({
      envelopeTo: ['staff@example.com'],
      subject: '[Bakery Ada] Bea Beispiel needs a person',
    });
    expect(mail!.text).toContain(`Conversation: ${conversationId}`);
    expect(mail!.text).toContain('Channel: email');
    expect(mail!.text).toContain('Reason: asked for a person');
    expect(mail!.text).not.toContain('secret order');
  });

  it('queues nothing when the handing-over transaction rolls back', async () => {
    await expect(
      store.db.$transaction(async (tx) => {
        await notifier.conversationNeedsHuman(tx, { tenantId, conversationId, channel: 'email' });
        throw new Error('handover failed');
      }),
    ).rejects.toThrow('handover failed');
    expect(await store.db.job.count({ where: { kind: NOTIFY_STAFF_JOB } })).toBe(0);
  });

  it('tells staff a reply was dead-lettered, with the reason but not the reply', async () => {
    await notifier.replyDeadLettered({
      tenantId,
      channel: 'email',
      conversationId,
      errorCode: 'PROVIDER_REJECTED',
      reason: 'dead-lettered after 1 attempt(s): PROVIDER_REJECTED: Postmark refused to send the email',
    });
    await runNoticeJobs();
    expect(smtp.received[0]).toMatchObject({
      subject: '[Bakery Ada] A reply to Bea Beispiel could not be delivered',
    });
    expect(smtp.received[0]!.text).toContain('Reason: dead-lettered after 1 attempt(s): PROVIDER_REJECTED');
  });

  it.each([
    ['no SMTP configuration', undefined],
    ['no notify_email', { host: '127.0.0.1', from: 'alerts@example.com' }],
  ])('sends nothing, and does not fail, for a tenant with %s', async (_name, config) => {
    smtpConfig = config;
    await store.db.$transaction((tx) =>
      notifier.conversationNeedsHuman(tx, { tenantId, conversationId, channel: 'email' }),
    );
    await runNoticeJobs();
    expect(smtp.received).toHaveLength(0);
  });

  it('leaves a notice the mail server deferred to the queue’s retry', async () => {
    smtp.refuseNext(1, 451);
    await store.db.$transaction((tx) =>
      notifier.conversationNeedsHuman(tx, { tenantId, conversationId, channel: 'email' }),
    );
    await expect(runNoticeJobs()).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true });
    await runNoticeJobs();
    expect(smtp.received).toHaveLength(1);
  });
});
