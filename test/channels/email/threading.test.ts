import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conversationThread } from '../../../src/dispatcher/thread.ts';
import { ingestBatch } from '../../../src/normalizer/ingest.ts';
import type { InboundMessageEvent } from '../../../src/normalizer/types.ts';
import { createTestStore, type TestStore } from '../../support/database.ts';

/** An inbound email event from `address`, answering `references` (most relevant first). */
function email(
  id: string,
  address: string,
  references: string[] = [],
  subject = 'Order',
): InboundMessageEvent {
  return {
    type: 'message',
    providerMessageId: id,
    chatId: address,
    sender: { externalId: address },
    sentAt: new Date('2026-01-01T12:00:00Z'),
    kind: 'text',
    text: `mail ${id}`,
    parts: [
      { type: 'text', text: `mail ${id}` },
      { type: 'thread', subject, messageId: `<${id}@mail.example>` },
    ],
    ...(references.length > 0 ? { threadReferences: references } : {}),
  };
}

describe('email threading in the normalizer and the dispatcher', () => {
  let store: TestStore;
  let tenantId: string;
  let otherTenantId: string;

  beforeEach(async () => {
    store = await createTestStore();
    tenantId = (await store.db.tenant.create({ data: { slug: 'a', name: 'A' } })).id;
    otherTenantId = (await store.db.tenant.create({ data: { slug: 'b', name: 'B' } })).id;
  });

  afterEach(async () => {
    await store.dispose();
  });

  const ingest = (tenant: string, events: InboundMessageEvent[], channel = 'email') =>
    ingestBatch(store.db, [{ tenantId: tenant, channel, events }], async () => {});

  const conversationOf = async (providerMessageId: string) =>
    (await store.db.message.findFirstOrThrow({ where: { providerMessageId } })).conversationId;

  it("files a message in the conversation of its most relevant stored reference among the sender's own", async () => {
    await ingest(tenantId, [email('first', 'ada@example.net'), email('second', 'bea@example.net')]);
    const adaConversation = await conversationOf('first');
    // Her chat id no longer leads there, so only the reference can.
    await store.db.conversation.update({
      where: { id: adaConversation },
      data: { externalChatId: 'elsewhere' },
    });
    // In-Reply-To names Bea's mail, which is not Ada's to join; References also name her own.
    await ingest(tenantId, [email('reply', 'ada@example.net', ['second', 'unknown', 'first'])]);
    expect(await conversationOf('reply')).toBe(adaConversation);
  });

  it('keeps a forged In-Reply-To from another sender out of the conversation it names', async () => {
    await ingest(tenantId, [email('first', 'ada@example.net')]);
    await ingest(tenantId, [email('forged', 'mallory@example.org', ['first'])]);
    expect(await conversationOf('forged')).not.toBe(await conversationOf('first'));
    const forgedConversation = await store.db.conversation.findUniqueOrThrow({
      where: { id: await conversationOf('forged') },
    });
    expect(forgedConversation.externalChatId).toBe('mallory@example.org');
    expect(await store.db.message.count({ where: { conversationId: await conversationOf('first') } })).toBe(
      1,
    );
  });

  it('falls back to the sender’s conversation when no reference is stored', async () => {
    await ingest(tenantId, [email('first', 'ada@example.net')]);
    await ingest(tenantId, [email('again', 'ada@example.net', ['<never-seen@x>'])]);
    expect(await conversationOf('again')).toBe(await conversationOf('first'));
  });

  it("never joins another tenant's or another channel's conversation through a reference", async () => {
    await ingest(otherTenantId, [email('theirs', 'ada@example.net')]);
    await ingest(tenantId, [email('telegram-one', 'ada@example.net')], 'telegram');
    await ingest(tenantId, [email('mine', 'ada@example.net', ['theirs', 'telegram-one'])]);
    const conversation = await store.db.conversation.findUniqueOrThrow({
      where: { id: await conversationOf('mine') },
    });
    expect(conversation).toMatchObject({ tenantId, channel: 'email', externalChatId: 'ada@example.net' });
  });

  it('collects the thread in order: inbound Message-IDs, sent outbound ids, and the latest subject', async () => {
    await ingest(tenantId, [email('first', 'ada@example.net', [], 'Order #1')]);
    const conversationId = await conversationOf('first');
    await store.db.message.create({
      data: {
        tenantId,
        conversationId,
        channel: 'email',
        direction: 'outbound',
        providerMessageId: '<out-1@mtasv.net>',
        kind: 'text',
        status: 'sent',
        createdAt: new Date(Date.now() + 1_000),
      },
    });
    await store.db.message.create({
      data: {
        tenantId,
        conversationId,
        channel: 'email',
        direction: 'outbound',
        kind: 'text',
        status: 'queued',
        createdAt: new Date(Date.now() + 1_500),
      },
    });
    await ingest(tenantId, [email('second', 'ada@example.net', ['<out-1@mtasv.net>'], 'Re: Order #1')]);
    await store.db.message.updateMany({
      where: { providerMessageId: 'second' },
      data: { createdAt: new Date(Date.now() + 2_000) },
    });
    expect(await conversationThread(store.db, conversationId)).toEqual({
      subject: 'Re: Order #1',
      references: ['<first@mail.example>', '<out-1@mtasv.net>', '<second@mail.example>'],
    });
  });
});
