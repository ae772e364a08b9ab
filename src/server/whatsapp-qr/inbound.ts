import type { BaileysEventMap, WAMessage } from '@whiskeysockets/baileys';
import { lidOfJid, phoneOfJid } from '../../channels/whatsapp-qr/jid.ts';
import { type MediaToFetch, parseWhatsAppQrMessage } from '../../channels/whatsapp-qr/parse.ts';
import type { WhatsAppQrSession } from '../../channels/whatsapp-qr/session.ts';
import type { MediaDownloader } from '../../channels/whatsapp-qr/socket.ts';
import type { Ingestor } from '../../normalizer/ingestor.ts';
import type { InboundEvent, InboundStatusEvent, MessagePart } from '../../normalizer/types.ts';
import type { LidMappings } from './lid-mappings.ts';
import type { MediaStore } from './media-store.ts';
import type { PhoneReply } from './phone-replies.ts';

const CHANNEL = 'whatsapp_qr';

export interface InboundDependencies {
  tenantId: string;
  session: WhatsAppQrSession;
  mappings: LidMappings;
  ingestor: Ingestor;
  onIngested(): void;
  download: MediaDownloader;
  mediaStore: MediaStore;
  maxMediaBytes: number;
  /** A message the business wrote on its phone. */
  onPhoneReply(reply: Omit<PhoneReply, 'pauseMs'>): Promise<void>;
}

/**
 * Stores what one `messages.upsert` brought: live messages only (`notify`; `append` is
 * history and sync), each parsed, its media fetched under the cap, then all of them in one
 * ingest (deduplicated by message id, so a redelivered message is stored once). Messages the
 * business wrote on its phone go to `onPhoneReply`; the gateway's own sends are recognised
 * by id and skipped.
 */
export async function storeUpsert(
  dependencies: InboundDependencies,
  upsert: BaileysEventMap['messages.upsert'],
): Promise<void> {
  if (upsert.type !== 'notify') return;
  const { tenantId, session, mappings, ingestor, onIngested } = dependencies;
  const events: InboundEvent[] = [];
  for (const message of upsert.messages) {
    await learnAddresses(dependencies, message);
    const parsed = await parseWhatsAppQrMessage(message, {
      self: session.self(),
      phoneOfLid: (lid) => mappings.phoneOf(lid),
    });
    if (parsed.type === 'inbound') {
      if (parsed.media)
        parsed.event.parts = await fetchMedia(dependencies, message, parsed.media, parsed.event.parts);
      events.push(parsed.event);
    } else if (parsed.type === 'edit' || parsed.type === 'unsend') {
      events.push(parsed.event);
    } else if (parsed.type === 'from_phone' && !session.sentByUs(parsed.providerMessageId)) {
      await dependencies.onPhoneReply({
        tenantId,
        chatId: parsed.chatId,
        providerMessageId: parsed.providerMessageId,
        ...(parsed.text ? { text: parsed.text } : {}),
        sentAt: parsed.sentAt,
      });
    }
  }
  if (events.length === 0) return;
  const outcome = await ingestWithRetry(ingestor, { tenantId, channel: CHANNEL, events });
  if (outcome.stored > 0) onIngested();
}

/** Attempts at storing one upsert, with doubling waits from the base: about 25 s in all. */
const INGEST_ATTEMPTS = 8;
const INGEST_RETRY_BASE_MS = 100;

/**
 * WhatsApp does not deliver a message twice once Baileys acknowledged it, so a database that
 * is briefly away (a restart, a failover) is waited for here rather than losing the message.
 */
async function ingestWithRetry(ingestor: Ingestor, item: Parameters<Ingestor['ingest']>[0]) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ingestor.ingest(item);
    } catch (error) {
      if (attempt >= INGEST_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, INGEST_RETRY_BASE_MS * 2 ** (attempt - 1)));
    }
  }
}

/** WhatsApp's receipts for our own messages (`messages.update`): 3 delivered, 4 read, 5 played. */
export async function storeStatuses(
  dependencies: Pick<InboundDependencies, 'tenantId' | 'ingestor'>,
  updates: BaileysEventMap['messages.update'],
): Promise<void> {
  const events: InboundStatusEvent[] = [];
  for (const { key, update } of updates) {
    if (!key.fromMe || !key.id || typeof update.status !== 'number') continue;
    const status =
      update.status >= 4
        ? 'read'
        : update.status === 3
          ? 'delivered'
          : update.status === 2
            ? 'sent'
            : undefined;
    if (status) events.push({ type: 'status', providerMessageId: key.id, status, at: new Date() });
  }
  if (events.length > 0)
    await dependencies.ingestor.ingest({ tenantId: dependencies.tenantId, channel: CHANNEL, events });
}

/**
 * Learns the LID ↔ number pair a message key carries (the JID and its `…Alt`), or asks
 * Baileys' own mapping when only the LID came.
 */
async function learnAddresses(dependencies: InboundDependencies, message: WAMessage): Promise<void> {
  const key = message.key as WAMessage['key'] & Record<string, unknown>;
  const pairs: Array<[unknown, unknown]> = [
    [key.remoteJid, key.remoteJidAlt ?? key.senderPn],
    [key.participant, key.participantAlt ?? key.participantPn],
  ];
  for (const [jid, alternative] of pairs) {
    const jids = [jid, alternative].filter((value): value is string => typeof value === 'string');
    const lid = jids.map(lidOfJid).find(Boolean);
    let phone = jids.map(phoneOfJid).find(Boolean);
    if (!lid) continue;
    if (!phone && !dependencies.mappings.phoneOf(lid)) {
      const found = await dependencies.session
        .socket()
        ?.signalRepository?.lidMapping?.getPNForLID(lid)
        .catch(() => undefined);
      phone = phoneOfJid(found ?? undefined);
    }
    if (phone) await dependencies.mappings.learn(lid, phone);
  }
}

/** Downloads a message's media into the media store; over the cap only its description is kept. */
async function fetchMedia(
  dependencies: InboundDependencies,
  message: WAMessage,
  media: MediaToFetch,
  parts: MessagePart[],
): Promise<MessagePart[]> {
  const { download, mediaStore, maxMediaBytes, tenantId } = dependencies;
  let reference: { providerFileId: string; sizeBytes?: number; tooLarge?: boolean };
  if (media.sizeBytes !== undefined && media.sizeBytes > maxMediaBytes) {
    reference = { providerFileId: '', tooLarge: true };
  } else {
    try {
      const bytes = await download(message, maxMediaBytes);
      reference =
        bytes.length > maxMediaBytes
          ? { providerFileId: '', tooLarge: true }
          : { providerFileId: await mediaStore.save(tenantId, bytes), sizeBytes: bytes.length };
    } catch (error) {
      // A failed download must not lose the message: it is stored with its description only.
      reference =
        (error as Error).name === 'MediaTooLargeError'
          ? { providerFileId: '', tooLarge: true }
          : { providerFileId: '' };
    }
  }
  return parts.map((part) => (part.type === 'media' ? { ...part, ...reference } : part));
}
