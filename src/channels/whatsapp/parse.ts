import type { ConnectorValues } from '../../core/connector.ts';
import type { DeliveryStatus, InboundEvent } from '../../normalizer/types.ts';
import { type BatchReader, createBatchReader, readMetaEntries } from '../meta/webhook.ts';
import type { WebhookRequest } from '../types.ts';
import { whatsappContent } from './content.ts';
import {
  changeSchema,
  entrySchema,
  messageSchema,
  profileSchema,
  statusSchema,
  valueSchema,
  type WhatsAppChangeValue,
  type WhatsAppStatus,
} from './schema.ts';

/** Meta's statuses as ours; `played` (a voice note was listened to) is as good as read. */
const DELIVERY_STATUSES: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
  failed: 'failed',
};

/**
 * Reads a WhatsApp Cloud API webhook into events: every message of every change of every
 * entry (with the sender's profile name), and every status of a message we sent. Changes
 * for another phone number (one Meta app's webhook carries all numbers of the business
 * account) and fields other than `messages` are skipped. An item that is malformed is
 * skipped while the rest of the batch is kept; throws AppError('MALFORMED_PAYLOAD') when the
 * body is not a WhatsApp webhook or nothing in it is usable.
 */
export function parseWhatsAppWebhook(request: WebhookRequest, config: ConnectorValues): InboundEvent[] {
  const entries = readMetaEntries(request.rawBody, 'whatsapp_business_account', 'WhatsApp');
  const reader = createBatchReader('WhatsApp', request.onSkipped);
  const events: InboundEvent[] = [];
  for (const [entryIndex, rawEntry] of entries.entries()) {
    const entry = reader.read(entrySchema, rawEntry, `entry[${entryIndex}]`);
    for (const [changeIndex, rawChange] of (entry?.changes ?? []).entries()) {
      const where = `entry[${entryIndex}].changes[${changeIndex}]`;
      const change = reader.read(changeSchema, rawChange, where);
      if (change?.field !== 'messages') continue;
      const value = reader.read(valueSchema, change.value, `${where}.value`);
      if (value === undefined || value.metadata.phone_number_id !== config.phone_number_id) continue;
      events.push(
        ...messageEvents(value, reader, `${where}.value`),
        ...statusEvents(value, reader, `${where}.value`),
      );
    }
  }
  return reader.finish(events);
}

function messageEvents(value: WhatsAppChangeValue, reader: BatchReader, where: string): InboundEvent[] {
  const names = profileNames(value);
  const events: InboundEvent[] = [];
  for (const [index, raw] of (value.messages ?? []).entries()) {
    const message = reader.read(messageSchema, raw, `${where}.messages[${index}]`);
    if (message === undefined) continue;
    const content = whatsappContent(message);
    if (content === undefined) continue;
    const displayName = names.get(message.from);
    events.push({
      type: 'message',
      providerMessageId: message.id,
      // Replies go to the sender's WhatsApp id, which is their number without `+`.
      chatId: message.from,
      sender: { externalId: message.from, ...(displayName ? { displayName } : {}) },
      sentAt: new Date(message.timestamp * 1000),
      kind: content.kind,
      ...(content.text === undefined ? {} : { text: content.text }),
      parts: content.parts,
    });
  }
  return events;
}

/** The profile name each sender chose, by WhatsApp id; a malformed profile only loses the name. */
function profileNames(value: WhatsAppChangeValue): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of value.contacts ?? []) {
    const contact = profileSchema.safeParse(raw);
    const name = contact.success ? contact.data.profile?.name?.trim() : undefined;
    if (contact.success && name) names.set(contact.data.wa_id, name);
  }
  return names;
}

function statusEvents(value: WhatsAppChangeValue, reader: BatchReader, where: string): InboundEvent[] {
  const events: InboundEvent[] = [];
  for (const [index, raw] of (value.statuses ?? []).entries()) {
    const status = reader.read(statusSchema, raw, `${where}.statuses[${index}]`);
    const mapped = status === undefined ? undefined : DELIVERY_STATUSES[status.status];
    if (status === undefined || mapped === undefined) continue;
    const error = mapped === 'failed' ? failureText(status.errors) : undefined;
    events.push({
      type: 'status',
      providerMessageId: status.id,
      status: mapped,
      at: new Date(status.timestamp * 1000),
      ...(error === undefined ? {} : { error }),
    });
  }
  return events;
}

/** "131047 Re-engagement message: Message failed to send because more than 24 hours have passed …". */
function failureText(errors: WhatsAppStatus['errors']): string {
  const first = errors?.[0];
  if (first === undefined) return 'WhatsApp reported the message as failed';
  const heading = [first.code, first.title ?? first.message].filter((part) => part !== undefined).join(' ');
  const details = first.error_data?.details;
  return details ? `${heading}: ${details}` : heading || 'WhatsApp reported the message as failed';
}
