import type { ContactRow, IdentityRow, IngestStatements } from '../store/ingest-statements.ts';
import { newRowId } from '../store/row-ids.ts';
import { phoneOf } from './phone-identity.ts';
import { key, uniqueBy } from './sets.ts';
import type { InboundMessageEvent } from './types.ts';

type Sender = { tenantId: string; channel: string; event: Pick<InboundMessageEvent, 'sender'> };

const senderKey = (entry: Sender) => key(entry.tenantId, entry.channel, entry.event.sender.externalId);

/**
 * Maps tenant+channel+sender id → contact id, creating identities not seen before. A new
 * identity on a phone channel joins the contact that already has that number in the tenant
 * (an SMS sender who later calls or writes on WhatsApp is one customer); any other new identity
 * gets a contact of its own. `now` is the batch's time, stored as the new rows' creation time.
 */
export async function resolveContacts(
  statements: IngestStatements,
  fresh: Sender[],
  now: Date,
): Promise<Map<string, string>> {
  const senders = uniqueBy(fresh, senderKey);
  const identities = await statements.identities(
    senders.map((entry) => ({
      tenantId: entry.tenantId,
      channel: entry.channel,
      externalId: entry.event.sender.externalId,
    })),
  );
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

  const byPhone = await contactsByPhone(statements, missing);
  const newContacts: ContactRow[] = [];
  const newIdentities = missing.map(({ entry, phone }): IdentityRow => {
    const phoneKey = phone === null ? null : key(entry.tenantId, phone);
    let contactId = phoneKey === null ? undefined : byPhone.get(phoneKey);
    if (contactId === undefined) {
      contactId = newRowId();
      newContacts.push({
        id: contactId,
        tenantId: entry.tenantId,
        displayName: entry.event.sender.displayName ?? null,
        locale: entry.event.sender.locale ?? null,
        optedOut: false,
        createdAt: now,
        updatedAt: now,
      });
      // A second new identity with this number in the same batch joins this contact.
      if (phoneKey !== null) byPhone.set(phoneKey, contactId);
    }
    contactIds.set(senderKey(entry), contactId);
    return {
      id: newRowId(),
      tenantId: entry.tenantId,
      contactId,
      channel: entry.channel,
      externalId: entry.event.sender.externalId,
      username: entry.event.sender.username ?? null,
      phone,
      createdAt: now,
    };
  });
  await statements.insert('contacts', newContacts);
  await statements.insert('channel_identities', newIdentities);
  return contactIds;
}

/** tenant+phone → the contact of that number's oldest identity, for the numbers among `missing`. */
async function contactsByPhone(
  statements: IngestStatements,
  missing: Array<{ entry: Sender; phone: string | null }>,
): Promise<Map<string, string>> {
  const numbers = uniqueBy(
    missing.flatMap(({ entry, phone }) => (phone === null ? [] : [{ tenantId: entry.tenantId, phone }])),
    (number) => key(number.tenantId, number.phone),
  );
  if (numbers.length === 0) return new Map();
  const byPhone = new Map<string, string>();
  for (const row of await statements.identitiesByPhone(numbers)) {
    const phoneKey = key(row.tenantId, row.phone);
    if (!byPhone.has(phoneKey)) byPhone.set(phoneKey, row.contactId);
  }
  return byPhone;
}
