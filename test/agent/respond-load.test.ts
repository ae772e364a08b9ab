/**
 * The respond job's one-statement read on a real database: the flood rule's count of the
 * contact's replies, and (SQLite) a query plan that searches by index instead of scanning.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRespondSubject, RESPOND_SUBJECT_SQL } from '../../src/server/respond-load.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { createTestStore, postgresServerUrl, type TestStore } from '../support/database.ts';

const MINUTE_MS = 60_000;

describe("the respond job's read", () => {
  let store: TestStore;
  const now = Date.now();
  const since = new Date(now - 60 * MINUTE_MS);

  beforeEach(async () => {
    store = await createTestStore();
  });
  afterEach(async () => {
    await store.dispose();
  });

  /** A tenant with two contacts: the first on Telegram and SMS, the second on Telegram. */
  async function seed() {
    const tenant = await store.db.tenant.create({ data: { slug: 'florist', name: 'Florist' } });
    const [customer, other] = await Promise.all(
      ['customer', 'other'].map((displayName) =>
        store.db.contact.create({ data: { tenantId: tenant.id, displayName } }),
      ),
    );
    const conversation = (contactId: string, channel: string, externalChatId: string) =>
      store.db.conversation.create({ data: { tenantId: tenant.id, contactId, channel, externalChatId } });
    const telegram = await conversation(customer!.id, 'telegram', 'chat-1');
    const sms = await conversation(customer!.id, 'sms', '+15550001');
    const otherChat = await conversation(other!.id, 'telegram', 'chat-2');
    const inbound = await store.db.message.create({
      data: {
        tenantId: tenant.id,
        conversationId: telegram.id,
        channel: 'telegram',
        direction: 'inbound',
        providerMessageId: '11',
        kind: 'text',
        text: 'hello',
        status: 'received',
      },
    });
    const reply = async (conversationId: string, idempotencyKey: string, minutesAgo: number) => {
      const createdAt = new Date(now - minutesAgo * MINUTE_MS);
      const message = await store.db.message.create({
        data: {
          tenantId: tenant.id,
          conversationId,
          channel: 'telegram',
          direction: 'outbound',
          kind: 'text',
          text: 'hi',
          status: 'sent',
          createdAt,
        },
      });
      await store.db.outboxMessage.create({
        data: { tenantId: tenant.id, messageId: message.id, channel: 'telegram', idempotencyKey, createdAt },
      });
    };
    return { tenant, inbound, telegram, sms, otherChat, reply };
  }

  it("counts the contact's agent replies of the last hour on every channel, and no others", async () => {
    const { tenant, inbound, telegram, sms, otherChat, reply } = await seed();
    await reply(telegram.id, 'reply:a', 10);
    await reply(sms.id, 'reply:b', 20);
    // Not counted: a reply's second piece, one older than the hour, staff's, another contact's.
    await reply(sms.id, 'reply:b#1', 20);
    await reply(telegram.id, 'reply:c', 120);
    await reply(telegram.id, 'staff:d', 5);
    await reply(otherChat.id, 'reply:e', 5);
    const subject = await loadRespondSubject(sqlOf(store.db), {
      tenantId: tenant.id,
      messageId: inbound.id,
      idempotencyKey: `reply:${inbound.id}`,
      since,
    });
    expect(subject).toMatchObject({
      repliesToContact: 2,
      answered: false,
      newerInbound: false,
      holdsReplies: false,
      conversation: { id: telegram.id, state: 'bot' },
      contact: { displayName: 'customer', optedOut: false },
    });
    // Scoped by tenant: another tenant's job finds nothing.
    expect(
      await loadRespondSubject(sqlOf(store.db), {
        tenantId: 'another-tenant',
        messageId: inbound.id,
        idempotencyKey: `reply:${inbound.id}`,
        since,
      }),
    ).toBeUndefined();
  });

  it.skipIf(postgresServerUrl() !== undefined)(
    "searches the contact's replies by index, not the tenant's whole outbox (SQLite plan)",
    async () => {
      const { tenant, inbound } = await seed();
      const plan = await sqlOf(store.db).all<{ detail: string }>(
        `EXPLAIN QUERY PLAN ${RESPOND_SUBJECT_SQL}`,
        ['reply:x', since, since, inbound.id, tenant.id],
      );
      const details = plan.map((step) => step.detail);
      expect(details.filter((detail) => detail.startsWith('SCAN'))).toEqual([]);
      expect(details).toContain(
        'SEARCH rc USING INDEX conversations_tenantId_contactId_idx (tenantId=? AND contactId=?)',
      );
    },
  );
});
