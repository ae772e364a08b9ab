import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../src/normalizer/ingest.ts';
import type { InboundEvent } from '../../src/normalizer/types.ts';
import { createTestStore, type TestStore } from '../support/database.ts';

const at = new Date('2026-01-01T12:00:00Z');
const sender = { externalId: 'igsid-1' };
const message: InboundEvent = {
  type: 'message',
  providerMessageId: 'm_1',
  chatId: 'igsid-1',
  sender,
  sentAt: at,
  kind: 'text',
  text: 'my card number is 4111',
  parts: [{ type: 'text', text: 'my card number is 4111' }],
};
const edit: InboundEvent = {
  type: 'edit',
  providerMessageId: 'm_1',
  chatId: 'igsid-1',
  sender,
  editedAt: new Date(at.getTime() + 1000),
  text: 'my card number is 4112',
  parts: [{ type: 'text', text: 'my card number is 4112' }],
};
const unsend = (chatId: string): InboundEvent => ({
  type: 'unsend',
  providerMessageId: 'm_1',
  chatId,
  sender: { externalId: chatId },
  at: new Date(at.getTime() + 2000),
});

describe('an unsent message', () => {
  let store: TestStore;
  let tenantId: string;

  beforeEach(async () => {
    store = await createTestStore();
    tenantId = (await store.db.tenant.create({ data: { slug: 'a', name: 'A' } })).id;
  });

  afterEach(async () => {
    await store.dispose();
  });

  const ingest = (events: InboundEvent[]) =>
    ingestBatch(store.db, [{ tenantId, channel: 'instagram', events }], async () => {});

  it('loses its stored text, parts and earlier versions, and a redelivery of it stays a duplicate', async () => {
    await ingest([message]);
    await ingest([edit]);
    expect(await store.db.messageEdit.count()).toBe(1);
    await ingest([unsend('igsid-1')]);
    const stored = await store.db.message.findFirstOrThrow({ where: { providerMessageId: 'm_1' } });
    expect(stored).toMatchObject({ kind: 'unsent', text: null, parts: '[]' });
    expect(await store.db.messageEdit.count()).toBe(0);
    expect(JSON.stringify(await store.db.message.findMany())).not.toContain('4111');
    expect(await ingest([message])).toEqual([{ stored: 0, duplicates: 1 }]);
  });

  it('is unsent only by the chat it came from', async () => {
    await ingest([message]);
    await ingest([unsend('igsid-2')]);
    const stored = await store.db.message.findFirstOrThrow({ where: { providerMessageId: 'm_1' } });
    expect(stored.text).toBe('my card number is 4111');
  });
});
