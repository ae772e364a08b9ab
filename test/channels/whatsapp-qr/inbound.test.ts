/**
 * WhatsApp (QR) inbound through the whole gateway: Baileys' real message shapes (the shared
 * fixtures and `proto.WebMessageInfo` built with Baileys' own `proto`) emitted by a stand-in
 * socket are normalized and stored, media lands in the media store under its cap, redelivery
 * is recognised, and what WhatsApp must not reach the agent (status, protocol, groups that do
 * not address us, history) is left out.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { proto, type WAMessage } from '@whiskeysockets/baileys';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, queueSettled } from '../../support/gateway.ts';
import { type QrGateway, startQrGateway } from './qr-gateway.ts';

const fixtures = '/work/shared/fixtures/whatsapp-baileys';
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as { data: { messages: proto.IWebMessageInfo[] } };

const CUSTOMER = '15550000001@s.whatsapp.net';
const MAX_MEDIA = 60_000;

let sequence = 0;
/** A live message from the customer with this content. */
function from(message: proto.IMessage, key: Partial<proto.IMessageKey> & Record<string, unknown> = {}) {
  sequence += 1;
  return {
    key: { remoteJid: CUSTOMER, fromMe: false, id: `3EB0TEST${String(sequence).padStart(8, '0')}`, ...key },
    messageTimestamp: 1767268800 + sequence,
    pushName: 'Ada Test',
    message,
  } as proto.IWebMessageInfo;
}

describe('WhatsApp QR inbound', () => {
  let gateway: QrGateway;
  let tenant: { id: string; apiToken: string };
  // Media the stand-in "downloads": by message id, what WhatsApp's servers would hand over.
  const downloads = new Map<string, Buffer>();

  beforeEach(async () => {
    gateway = await startQrGateway({
      environment: { WHATSAPP_QR_MEDIA_MAX_BYTES: String(MAX_MEDIA) },
      overrides: {
        downloader: () => async (message) => {
          const bytes = downloads.get(message.key.id!);
          if (!bytes) throw new Error('media server unreachable');
          return bytes;
        },
      },
    });
    tenant = await gateway.createTenant('bakery');
    await gateway.link(tenant.apiToken);
  });

  afterEach(async () => {
    await gateway.close();
    downloads.clear();
  });

  const stored = (providerMessageId: string) =>
    gateway.store.db.message.findFirst({ where: { tenantId: tenant.id, providerMessageId } });

  async function storedEventually(providerMessageId: string) {
    return eventually(() => stored(providerMessageId), 10_000, `message ${providerMessageId}`);
  }

  it('normalizes and stores each message type', async () => {
    const text = fixture('messages_upsert_text.json').data.messages[0]!;
    const image = fixture('messages_upsert_image.json').data.messages[0]!;
    downloads.set(image.key!.id!, Buffer.alloc(48_213, 7));
    const reply = from({
      extendedTextMessage: {
        text: 'Yes, that one',
        contextInfo: {
          stanzaId: '3EB0QUOTED000001',
          participant: '15550009999@s.whatsapp.net',
          quotedMessage: { conversation: 'Which cake did you mean?' },
        },
      },
    });
    const video = from({
      videoMessage: { mimetype: 'video/mp4', caption: 'unboxing', fileLength: 9_000_000 },
    });
    const voice = from({
      audioMessage: { mimetype: 'audio/ogg; codecs=opus', ptt: true, seconds: 4, fileLength: 5_000 },
    });
    const audio = from({ audioMessage: { mimetype: 'audio/mpeg', ptt: false, fileLength: 4_000 } });
    // Announces 100 bytes, delivers more than the cap: the bytes decide.
    const document = from({
      documentWithCaptionMessage: {
        message: {
          documentMessage: {
            mimetype: 'application/pdf',
            fileName: 'invoice.pdf',
            caption: 'my invoice',
            fileLength: 100,
          },
        },
      },
    });
    const sticker = from({ stickerMessage: { mimetype: 'image/webp', fileLength: 2_000 } });
    for (const [message, size] of [
      [voice, 5_000],
      [audio, 4_000],
      [document, MAX_MEDIA + 1],
      [sticker, 2_000],
    ] as const) {
      downloads.set(message.key!.id!, Buffer.alloc(size, 1));
    }
    const location = from({
      locationMessage: {
        degreesLatitude: 52.52,
        degreesLongitude: 13.405,
        name: 'Bakery Schmidt',
        address: 'Berlin',
      },
    });
    const contact = from({
      contactMessage: {
        displayName: 'Grace',
        vcard:
          'BEGIN:VCARD\nVERSION:3.0\nFN:Grace\nTEL;type=CELL;waid=15550000042:+1 555 000 0042\nEND:VCARD',
      },
    });
    const contacts = from({
      contactsArrayMessage: {
        contacts: [
          { displayName: 'Ann', vcard: 'BEGIN:VCARD\nFN:Ann\nTEL:+4915100000001\nEND:VCARD' },
          { displayName: 'Bo', vcard: 'BEGIN:VCARD\nFN:Bo\nEND:VCARD' },
        ],
      },
    });
    const reaction = from({
      reactionMessage: { key: { remoteJid: CUSTOMER, fromMe: true, id: '3EB0OURREPLY0001' }, text: '👍' },
    });
    const socket = gateway.sockets.latest();
    socket.receive(
      text,
      image,
      reply,
      video,
      voice,
      audio,
      document,
      sticker,
      location,
      contact,
      contacts,
      reaction,
    );

    const textRow = await storedEventually(text.key!.id!);
    expect(textRow).toMatchObject({
      direction: 'inbound',
      kind: 'text',
      text: 'Hi! Is the store open on Sunday?',
    });

    const imageRow = (await storedEventually(image.key!.id!))!;
    expect(imageRow).toMatchObject({ kind: 'media', text: 'The box arrived damaged' });
    const [imagePart] = JSON.parse(imageRow.parts);
    expect(imagePart).toMatchObject({
      type: 'media',
      mediaType: 'image',
      mimeType: 'image/jpeg',
      sizeBytes: 48_213,
    });
    expect(imagePart.providerFileId).toMatch(new RegExp(`^${tenant.id}/`));
    expect((await stat(join(gateway.dataDir, 'media', imagePart.providerFileId))).size).toBe(48_213);

    const replyRow = (await storedEventually(reply.key!.id!))!;
    expect(JSON.parse(replyRow.parts)).toEqual([
      { type: 'text', text: 'Yes, that one' },
      { type: 'quote', providerMessageId: '3EB0QUOTED000001', text: 'Which cake did you mean?' },
    ]);

    const mediaOf = async (id: string) => JSON.parse((await storedEventually(id))!.parts)[0];
    // Announced above the cap: not downloaded, described only.
    expect(await mediaOf(video.key!.id!)).toMatchObject({
      mediaType: 'video',
      tooLarge: true,
      caption: 'unboxing',
    });
    expect(await mediaOf(voice.key!.id!)).toMatchObject({ mediaType: 'voice', sizeBytes: 5_000 });
    expect(await mediaOf(audio.key!.id!)).toMatchObject({ mediaType: 'audio', mimeType: 'audio/mpeg' });
    expect(await mediaOf(document.key!.id!)).toMatchObject({
      mediaType: 'document',
      fileName: 'invoice.pdf',
      tooLarge: true,
      providerFileId: '',
    });
    expect(await mediaOf(sticker.key!.id!)).toMatchObject({ mediaType: 'sticker', sizeBytes: 2_000 });
    expect(await storedEventually(location.key!.id!)).toMatchObject({ kind: 'location' });
    expect(await mediaOf(location.key!.id!)).toEqual({
      type: 'location',
      latitude: 52.52,
      longitude: 13.405,
      name: 'Bakery Schmidt',
    });
    expect(JSON.parse((await storedEventually(contact.key!.id!))!.parts)).toEqual([
      { type: 'contact', name: 'Grace', phone: '+15550000042' },
    ]);
    expect(JSON.parse((await storedEventually(contacts.key!.id!))!.parts)).toEqual([
      { type: 'contact', name: 'Ann', phone: '+4915100000001' },
      { type: 'contact', name: 'Bo' },
    ]);
    expect(await storedEventually(reaction.key!.id!)).toMatchObject({ kind: 'reaction', text: '👍' });

    // All of them are one person: one contact, one identity keyed by the number, one conversation.
    const identities = await gateway.store.db.channelIdentity.findMany({ where: { tenantId: tenant.id } });
    expect(identities.map((identity) => identity.externalId)).toEqual(['+15550000001']);
    expect(await gateway.store.db.conversation.count({ where: { tenantId: tenant.id } })).toBe(1);
  });

  it('ignores duplicates, status updates, protocol messages, history and groups that do not address us', async () => {
    const socket = gateway.sockets.latest();
    const text = fixture('messages_upsert_text.json').data.messages[0]!;
    socket.receive(text);
    await storedEventually(text.key!.id!);
    socket.receive(text);
    const status = from(
      { conversation: 'my status' },
      { remoteJid: 'status@broadcast', participant: CUSTOMER },
    );
    const protocol = from({
      protocolMessage: { type: proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING },
    });
    const groupChatter = from(
      { conversation: 'lunch?' },
      { remoteJid: '120363000000000001@g.us', participant: CUSTOMER },
    );
    const groupMention = from(
      {
        extendedTextMessage: {
          text: '@15550009999 are you open today?',
          contextInfo: { mentionedJid: ['15550009999@s.whatsapp.net'] },
        },
      },
      { remoteJid: '120363000000000001@g.us', participant: CUSTOMER },
    );
    socket.receive(status, protocol, groupChatter, groupMention);
    // History arrives as `append`: never stored as new.
    socket.emit('messages.upsert', {
      type: 'append',
      messages: [proto.WebMessageInfo.fromObject(from({ conversation: 'from last year' })) as WAMessage],
    });
    const mention = await storedEventually(groupMention.key!.id!);
    expect(mention).toMatchObject({ text: '@15550009999 are you open today?' });
    await queueSettled(gateway.store.db);
    const rows = await gateway.store.db.message.findMany({
      where: { tenantId: tenant.id, direction: 'inbound' },
      select: { providerMessageId: true },
    });
    expect(rows.map((row) => row.providerMessageId).sort()).toEqual(
      [text.key!.id!, groupMention.key!.id!].sort(),
    );
    // The group's conversation is the group; the person is still the one contact.
    const conversations = await gateway.store.db.conversation.findMany({ where: { tenantId: tenant.id } });
    expect(conversations.map((row) => row.externalChatId).sort()).toEqual([
      '120363000000000001@g.us',
      CUSTOMER,
    ]);
    expect(new Set(conversations.map((row) => row.contactId)).size).toBe(1);
  });

  it('applies edits and deletions the sender makes', async () => {
    const socket = gateway.sockets.latest();
    const original = from({ conversation: 'Two cakes please' });
    socket.receive(original);
    await storedEventually(original.key!.id!);
    socket.receive(
      from({
        protocolMessage: {
          type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
          key: { remoteJid: CUSTOMER, fromMe: false, id: original.key!.id! },
          editedMessage: { conversation: 'Three cakes please' },
          timestampMs: Date.now(),
        },
      }),
    );
    await eventually(
      async () => (await stored(original.key!.id!))?.text === 'Three cakes please',
      10_000,
      'the edit',
    );
    socket.receive(
      from({
        protocolMessage: {
          type: proto.Message.ProtocolMessage.Type.REVOKE,
          key: { remoteJid: CUSTOMER, fromMe: false, id: original.key!.id! },
        },
      }),
    );
    await eventually(
      async () => (await stored(original.key!.id!))?.kind === 'unsent',
      10_000,
      'the deletion',
    );
    expect((await stored(original.key!.id!))!.text).toBeNull();
  });
});
