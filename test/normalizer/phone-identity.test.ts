import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../src/normalizer/ingest.ts';
import { normalizePhone } from '../../src/normalizer/phone-identity.ts';
import type { InboundEvent } from '../../src/normalizer/types.ts';
import { createTestStore, type TestStore } from '../support/database.ts';

let sequence = 0;
function textFrom(externalId: string, displayName?: string): InboundEvent {
  sequence += 1;
  return {
    type: 'message',
    providerMessageId: `m_${sequence}`,
    chatId: externalId,
    sender: { externalId, ...(displayName ? { displayName } : {}) },
    sentAt: new Date('2026-01-01T12:00:00Z'),
    kind: 'text',
    text: 'hello',
    parts: [{ type: 'text', text: 'hello' }],
  };
}

describe('normalizePhone', () => {
  it.each([
    ['+4915123456789', '+4915123456789'],
    ['4915123456789', '+4915123456789'],
    ['4915123456789@s.whatsapp.net', '+4915123456789'],
    ['4915123456789:3@s.whatsapp.net', '+4915123456789'],
    ['15550001111@c.us', '+15550001111'],
  ])('reads %s as %s', (address, phone) => {
    expect(normalizePhone(address)).toBe(phone);
  });

  it.each([
    '123456789012345@lid',
    'MYBAKERY',
    '12345',
    'client:alice',
    'anonymous',
    '+1555',
    '120363025246125486@g.us',
  ])('finds no number in %s', (address) => {
    expect(normalizePhone(address)).toBeNull();
  });
});

describe('one customer across phone channels', () => {
  let store: TestStore;
  let tenantId: string;

  beforeEach(async () => {
    store = await createTestStore();
    tenantId = (await store.db.tenant.create({ data: { slug: 'bakery', name: 'Bakery' } })).id;
  });

  afterEach(async () => {
    await store.dispose();
  });

  const ingest = (channel: string, events: InboundEvent[], tenant = tenantId) =>
    ingestBatch(store.db, [{ tenantId: tenant, channel, events }], async () => {});
  const contactOf = async (channel: string, externalId: string, tenant = tenantId) =>
    (
      await store.db.channelIdentity.findUniqueOrThrow({
        where: { tenantId_channel_externalId: { tenantId: tenant, channel, externalId } },
      })
    ).contactId;

  it('joins a WhatsApp, voice and WhatsApp QR sender to the contact of an earlier SMS from that number', async () => {
    await ingest('sms', [textFrom('+15550001111', 'Ada')]);
    await ingest('whatsapp', [textFrom('15550001111')]);
    await ingest('voice', [textFrom('+15550001111')]);
    await ingest('whatsapp_qr', [textFrom('15550001111:4@s.whatsapp.net')]);
    const contact = await contactOf('sms', '+15550001111');
    expect(await contactOf('whatsapp', '15550001111')).toBe(contact);
    expect(await contactOf('voice', '+15550001111')).toBe(contact);
    expect(await contactOf('whatsapp_qr', '15550001111:4@s.whatsapp.net')).toBe(contact);
    expect(await store.db.contact.count()).toBe(1);
    // Each channel keeps a conversation of its own: replies go back where the customer wrote.
    const conversations = await store.db.conversation.findMany({ where: { contactId: contact } });
    expect(conversations.map((conversation) => conversation.channel).sort()).toEqual([
      'sms',
      'voice',
      'whatsapp',
      'whatsapp_qr',
    ]);
    const identities = await store.db.channelIdentity.findMany({ where: { contactId: contact } });
    expect(new Set(identities.map((identity) => identity.phone))).toEqual(new Set(['+15550001111']));
  });

  it('makes one contact of two new identities with one number in the same batch', async () => {
    await ingestBatch(
      store.db,
      [
        { tenantId, channel: 'sms', events: [textFrom('+4915123456789')] },
        { tenantId, channel: 'whatsapp', events: [textFrom('4915123456789')] },
      ],
      async () => {},
    );
    expect(await contactOf('sms', '+4915123456789')).toBe(await contactOf('whatsapp', '4915123456789'));
    expect(await store.db.contact.count()).toBe(1);
  });

  it('keeps numbers apart across tenants, and leaves non-phone channels and LIDs alone', async () => {
    const other = (await store.db.tenant.create({ data: { slug: 'florist', name: 'Florist' } })).id;
    await ingest('sms', [textFrom('+15550002222')]);
    await ingest('whatsapp', [textFrom('15550002222')], other);
    await ingest('telegram', [textFrom('15550002222')]);
    await ingest('whatsapp_qr', [textFrom('15550002222@lid')]);
    const contacts = new Set([
      await contactOf('sms', '+15550002222'),
      await contactOf('whatsapp', '15550002222', other),
      await contactOf('telegram', '15550002222'),
      await contactOf('whatsapp_qr', '15550002222@lid'),
    ]);
    expect(contacts.size).toBe(4);
  });

  it('merges the contacts stored before numbers were compared, keeping the oldest, its opt-out and every conversation', async () => {
    // Rows as the earlier schema left them: one contact per identity and no phone column filled.
    const seed = async (channel: string, externalId: string, createdAt: string, optedOut = false) => {
      const contact = await store.db.contact.create({ data: { tenantId, optedOut } });
      await store.db.channelIdentity.create({
        data: { tenantId, contactId: contact.id, channel, externalId, createdAt: new Date(createdAt) },
      });
      await store.db.conversation.create({
        data: { tenantId, contactId: contact.id, channel, externalChatId: externalId },
      });
      return contact.id;
    };
    const oldest = await seed('sms', '+15550003333', '2026-01-01T00:00:00Z');
    await seed('whatsapp', '15550003333', '2026-02-01T00:00:00Z', true);
    const alone = await seed('sms', '+15550004444', '2026-01-01T00:00:00Z');
    const telegram = await seed('telegram', '15550003333', '2026-01-01T00:00:00Z');

    for (const statement of dataStatementsOf('phone_identities', store.dialect)) {
      await store.db.$executeRawUnsafe(statement);
    }

    expect(await contactOf('whatsapp', '15550003333')).toBe(oldest);
    expect(await contactOf('sms', '+15550004444')).toBe(alone);
    expect(await contactOf('telegram', '15550003333')).toBe(telegram);
    const merged = await store.db.contact.findUniqueOrThrow({ where: { id: oldest } });
    expect(merged.optedOut).toBe(true);
    expect(await store.db.contact.count()).toBe(3);
    expect(await store.db.conversation.count({ where: { contactId: oldest } })).toBe(2);
    expect(await store.db.conversation.count()).toBe(4);
  });
});

/** The data statements (after the schema change) of the named migration of `dialect`'s history. */
function dataStatementsOf(name: string, dialect: string): string[] {
  const root = new URL(`../../prisma/migrations/${dialect}/`, import.meta.url);
  const folder = readdirSync(root).find((entry) => entry.endsWith(`_${name}`));
  const sql = readFileSync(new URL(`${folder}/migration.sql`, root), 'utf8');
  return sql
    .slice(sql.indexOf('-- Backfill'))
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^--.*$/gm, '').trim())
    .filter((statement) => statement !== '');
}
