import { randomUUID } from 'node:crypto';
import type { DbTransaction } from '../store/index.ts';
import { phoneOf } from './phone-identity.ts';
import { groupBy, key, uniqueBy } from './sets.ts';
import type { InboundMessageEvent } from './types.ts';

type Sender = { tenantId: string; channel: string; event: Pick<InboundMessageEvent, 'sender'> };

const senderKey = (entry: Sender) => key(entry.tenantId, entry.channel, entry.event.sender.externalId);

/**
 * Maps tenant+channel+sender id → contact id, creating identities not seen before. A new
 * identity on a phone channel joins the contact that already has that number in the tenant
 * (an SMS sender who later calls or writes on WhatsApp is one customer); any other new identity
 * gets a contact of its own.
 */
export async function resolveContacts(tx: DbTransaction, fresh: Sender[]): Promise<Map<string, string>> {
  const senders = uniqueBy(fresh, senderKey);
  const identities = await tx.channelIdentity.findMany({
    where: {
      OR: groupBy(senders, (entry) => key(entry.tenantId, entry.channel)).map((group) => ({
        tenantId: group[0]!.tenantId,
        channel: group[0]!.channel,
        externalId: { in: group.map((entry) => entry.event.sender.externalId) },
      })),
    },
    select: { tenantId: true, channel: true, externalId: true, contactId: true },
  });
  const contactIds = new Map(
    identities.map((identity) => [
      key(identity.tenantId, identity.channel, identity.externalId),
      identity.contactId,
    ]),
  );
  const missing = senders
    .filter((entry) => !contactIds.has(senderKey(entry)))
    .map((entry) => ({ entry, phone: phoneOf(entry.channel, entry.event.sender.externalId) }));
  if (missing.length === 0) return contactIds;

  const byPhone = await contactsByPhone(tx, missing);
  const newContacts: Sender[] = [];
  const newIdentities = missing.map(({ entry, phone }) => {
    const phoneKey = phone === null ? null : key(entry.tenantId, phone);
    let contactId = phoneKey === null ? undefined : byPhone.get(phoneKey);
    if (contactId === undefined) {
      contactId = randomUUID();
      newContacts.push(entry);
      // A second new identity with this number in the same batch joins this contact.
      if (phoneKey !== null) byPhone.set(phoneKey, contactId);
    }
    contactIds.set(senderKey(entry), contactId);
    return {
      tenantId: entry.tenantId,
      contactId,
      channel: entry.channel,
      externalId: entry.event.sender.externalId,
      username: entry.event.sender.username ?? null,
      phone,
    };
  });
  await tx.contact.createMany({
    data: newContacts.map((entry) => ({
      id: contactIds.get(senderKey(entry))!,
      tenantId: entry.tenantId,
      displayName: entry.event.sender.displayName ?? null,
      locale: entry.event.sender.locale ?? null,
    })),
  });
  await tx.channelIdentity.createMany({ data: newIdentities });
  return contactIds;
}

/** tenant+phone → the contact of that number's oldest identity, for the numbers among `missing`. */
async function contactsByPhone(
  tx: DbTransaction,
  missing: Array<{ entry: Sender; phone: string | null }>,
): Promise<Map<string, string>> {
  const numbered = missing.filter((item) => item.phone !== null);
  if (numbered.length === 0) return new Map();
  const rows = await tx.channelIdentity.findMany({
    where: {
      OR: groupBy(numbered, (item) => item.entry.tenantId).map((group) => ({
        tenantId: group[0]!.entry.tenantId,
        phone: { in: group.map((item) => item.phone!) },
      })),
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { tenantId: true, phone: true, contactId: true },
  });
  const byPhone = new Map<string, string>();
  for (const row of rows) {
    const phoneKey = key(row.tenantId, row.phone!);
    if (!byPhone.has(phoneKey)) byPhone.set(phoneKey, row.contactId);
  }
  return byPhone;
}
