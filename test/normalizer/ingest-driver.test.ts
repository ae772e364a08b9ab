// The ingest batch on the store's driver statements (src/store/ingest-*.ts), on the dialect
// DATABASE_URL selects: what one group commit stores, in what format, and that a failure
// leaves nothing behind.
import { raw } from '@prisma/client/runtime/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type IngestItem, ingestBatch, type JobFor } from '../../src/normalizer/ingest.ts';
import type { InboundEvent } from '../../src/normalizer/types.ts';
import { ingestStatements } from '../../src/store/ingest-statements.ts';
import { createTestStore, type TestStore } from '../support/database.ts';

function text(providerMessageId: string, externalId: string, displayName?: string): InboundEvent {
  return {
    type: 'message',
    providerMessageId,
    chatId: externalId,
    sender: { externalId, ...(displayName ? { displayName } : {}) },
    sentAt: new Date('2026-01-01T12:00:00Z'),
    kind: 'text',
    text: `hello ${providerMessageId}`,
    parts: [{ type: 'text', text: `hello ${providerMessageId}` }],
  };
}

const RUN_AT_MS = 1_767_268_800_123;
const jobFor: JobFor = (message) => ({
  kind: 'respond',
  payload: { messageId: message.id },
  runAtMs: RUN_AT_MS,
});
const nothing = async () => undefined;

describe('an ingest batch on the driver statements', () => {
  let store: TestStore;
  let tenantId: string;

  beforeEach(async () => {
    store = await createTestStore();
    tenantId = (await store.db.tenant.create({ data: { slug: 'bakery', name: 'Bakery' } })).id;
  });

  afterEach(async () => {
    vi.useRealTimers();
    await store.dispose();
  });

  const item = (channel: string, events: InboundEvent[]): IngestItem => ({ tenantId, channel, events });
  const contactOf = async (channel: string, externalId: string) =>
    (
      await store.db.channelIdentity.findUniqueOrThrow({
        where: { tenantId_channel_externalId: { tenantId, channel, externalId } },
      })
    ).contactId;
  const counts = async () => ({
    messages: await store.db.message.count(),
    contacts: await store.db.contact.count(),
    identities: await store.db.channelIdentity.count(),
    conversations: await store.db.conversation.count(),
    jobs: await store.db.job.count(),
  });

  it('stores a batch of duplicates, new and known senders and a number known on another channel, with one respond job per new message', async () => {
    await ingestBatch(store.db, [item('sms', [text('SM1', '+15550001111', 'Ada')])], nothing);
    await ingestBatch(store.db, [item('telegram', [text('known:1', 'known', 'Bo')])], nothing);
    const knownContact = await contactOf('telegram', 'known');

    const outcomes = await ingestBatch(
      store.db,
      [
        // A redelivery of a stored message beside a new one from the same, known chat.
        item('telegram', [text('known:1', 'known'), text('known:2', 'known')]),
        // A new sender whose message arrives twice in the same batch.
        item('telegram', [text('fresh:1', 'fresh', 'Cy'), text('fresh:1', 'fresh', 'Cy')]),
        // WhatsApp from the SMS sender's number (joins that contact) and from a new number.
        item('whatsapp', [text('wamid.1', '15550001111'), text('wamid.2', '15550002222', 'Di')]),
      ],
      nothing,
      jobFor,
    );

    expect(outcomes).toEqual([
      { stored: 1, duplicates: 1 },
      { stored: 1, duplicates: 1 },
      { stored: 2, duplicates: 0 },
    ]);
    expect(await contactOf('whatsapp', '15550001111')).toBe(await contactOf('sms', '+15550001111'));
    expect(await contactOf('telegram', 'known')).toBe(knownContact);
    expect(await counts()).toEqual({ messages: 6, contacts: 4, identities: 5, conversations: 5, jobs: 4 });
    const fresh = await store.db.contact.findUniqueOrThrow({
      where: { id: await contactOf('telegram', 'fresh') },
    });
    expect(fresh).toMatchObject({ displayName: 'Cy', optedOut: false });
    const identity = await store.db.channelIdentity.findUniqueOrThrow({
      where: { tenantId_channel_externalId: { tenantId, channel: 'whatsapp', externalId: '15550002222' } },
    });
    expect(identity.phone).toBe('+15550002222');

    const stored = await store.db.message.findMany({
      where: { providerMessageId: { in: ['known:2', 'fresh:1', 'wamid.1', 'wamid.2'] } },
      include: { conversation: true },
    });
    const jobs = await store.db.job.findMany();
    expect(jobs.map((job) => JSON.parse(job.payload).messageId).sort()).toEqual(
      stored.map((message) => message.id).sort(),
    );
    for (const job of jobs) {
      expect(job).toMatchObject({
        tenantId,
        kind: 'respond',
        status: 'queued',
        runAtMs: BigInt(RUN_AT_MS),
        attempts: 0,
        maxAttempts: 8,
        lockedBy: null,
        lockedUntilMs: null,
      });
    }
    for (const message of stored) {
      expect(message).toMatchObject({ tenantId, direction: 'inbound', status: 'received', truncated: false });
      expect(message.conversation.lastMessageAt).toEqual(message.createdAt);
    }
  });

  it('stores dates, flags and numbers exactly as Prisma writes them', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    vi.useFakeTimers({ now: at, toFake: ['Date'] });
    await ingestBatch(store.db, [item('whatsapp', [text('wamid.9', '15550003333', 'Eve')])], nothing, jobFor);
    vi.useRealTimers();
    // The same instants written by Prisma itself, to compare the stored text with.
    const reference = await store.db.tenant.update({
      where: { id: tenantId },
      data: { createdAt: at },
      select: { id: true },
    });
    const message = await store.db.message.findFirstOrThrow({ select: { id: true, conversationId: true } });
    const storedText = async (table: string, column: string, id: string) => {
      const rows = await store.db.$queryRaw<Array<{ value: string }>>`
        SELECT CAST(${raw(`"${column}"`)} AS TEXT) AS "value" FROM ${raw(`"${table}"`)} WHERE "id" = ${id}`;
      return rows[0]!.value;
    };
    const prismaText = await storedText('tenants', 'createdAt', reference.id);
    const job = await store.db.job.findFirstOrThrow({ select: { id: true } });
    const contact = await store.db.contact.findFirstOrThrow({ select: { id: true } });
    const identity = await store.db.channelIdentity.findFirstOrThrow({ select: { id: true } });
    for (const [table, column, id] of [
      ['messages', 'createdAt', message.id],
      ['conversations', 'createdAt', message.conversationId],
      ['conversations', 'lastMessageAt', message.conversationId],
      ['jobs', 'createdAt', job.id],
      ['jobs', 'updatedAt', job.id],
      ['contacts', 'createdAt', contact.id],
      ['contacts', 'updatedAt', contact.id],
      ['channel_identities', 'createdAt', identity.id],
    ] as const) {
      expect(await storedText(table, column, id), `${table}.${column}`).toBe(prismaText);
    }
    const sentAt = await storedText('messages', 'sentAt', message.id);
    await store.db.message.update({
      where: { id: message.id },
      data: { sentAt: new Date('2026-01-01T12:00:00Z') },
    });
    expect(await storedText('messages', 'sentAt', message.id)).toBe(sentAt);
    const flags = await store.db.$queryRaw<Array<{ truncated: string; optedOut: string; runAtMs: string }>>`
      SELECT CAST(m."truncated" AS TEXT) AS "truncated", CAST(c."optedOut" AS TEXT) AS "optedOut",
             CAST(j."runAtMs" AS TEXT) AS "runAtMs"
      FROM "messages" m, "contacts" c, "jobs" j`;
    await store.db.contact.update({ where: { id: contact.id }, data: { optedOut: false } });
    const again = await store.db.$queryRaw<Array<{ optedOut: string }>>`
      SELECT CAST("optedOut" AS TEXT) AS "optedOut" FROM "contacts"`;
    expect(flags[0]!.optedOut).toBe(again[0]!.optedOut);
    expect(flags[0]!.runAtMs).toBe(String(RUN_AT_MS));
    expect(flags[0]!.truncated).toBe(flags[0]!.optedOut);
  });

  it('leaves nothing behind when the batch fails after its writes', async () => {
    await ingestBatch(store.db, [item('sms', [text('SM1', '+15550001111', 'Ada')])], nothing);
    const before = await counts();
    await expect(
      ingestBatch(
        store.db,
        [
          item('whatsapp', [text('wamid.1', '15550001111'), text('wamid.2', '15550004444')]),
          item('telegram', [text('new:1', 'new')]),
        ],
        async () => {
          throw new Error('the follow-up work failed');
        },
        jobFor,
      ),
    ).rejects.toThrow('the follow-up work failed');
    expect(await counts()).toEqual(before);
    // The same deliveries store in full afterwards: nothing half-written blocks them.
    const outcomes = await ingestBatch(
      store.db,
      [item('whatsapp', [text('wamid.1', '15550001111'), text('wamid.2', '15550004444')])],
      nothing,
      jobFor,
    );
    expect(outcomes).toEqual([{ stored: 2, duplicates: 0 }]);
  });

  it('fails a batch whose message another writer stored meanwhile, and stores nothing of it', async () => {
    const outcome = ingestBatch(
      store.db,
      [item('telegram', [text('race:1', 'racer'), text('race:2', 'other')])],
      async (tx) => {
        // Stands in for another process committing the same message between lookup and insert:
        // a second row with the dedupe key must fail the batch, never store twice.
        await ingestStatements(store.db, tx).insert('messages', [
          {
            id: 'duplicate-row',
            tenantId,
            conversationId: (await tx.conversation.findFirstOrThrow({ select: { id: true } })).id,
            channel: 'telegram',
            direction: 'inbound',
            providerMessageId: 'race:1',
            kind: 'text',
            text: null,
            parts: '[]',
            truncated: false,
            status: 'received',
            senderVerified: null,
            sentAt: new Date(),
            createdAt: new Date(),
          },
        ]);
      },
      jobFor,
    );
    await expect(outcome).rejects.toThrow();
    expect(await counts()).toEqual({ messages: 0, contacts: 0, identities: 0, conversations: 0, jobs: 0 });
  });
});
