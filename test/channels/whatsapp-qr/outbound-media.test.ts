/**
 * Staff send files in a WhatsApp (QR) conversation: the upload route checks the conversation,
 * the channel, the type (declared and on the bytes) and the size before anything is stored;
 * an accepted file is stored under the tenant's media folder, referenced by its outbox
 * message, and sent through the stand-in socket as Baileys content (image with caption,
 * document with file name), with "composing" first and paced like text.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../support/gateway.ts';
import { type QrGateway, startQrGateway, TEST_PACING } from './qr-gateway.ts';

const CUSTOMER = '15550000001@s.whatsapp.net';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

describe('WhatsApp QR outbound media', () => {
  let gateway: QrGateway;
  let tenant: { id: string; apiToken: string };
  let conversationId: string;
  let png: Buffer;

  beforeEach(async () => {
    gateway = await startQrGateway();
    tenant = await gateway.createTenant('bakery');
    await gateway.link(tenant.apiToken);
    png = await QRCode.toBuffer('a picture of the cake');
    // The customer writes; the agent answers once; staff take the conversation over.
    gateway.sockets.latest().receive({
      key: { remoteJid: CUSTOMER, fromMe: false, id: '3EB0MEDIA0000001' },
      messageTimestamp: Math.floor(Date.now() / 1000),
      pushName: 'Ada Test',
      message: { conversation: 'Can you send me a photo of the cake?' },
    });
    await eventually(() => gateway.sockets.latest().sends().length > 0, 20_000, 'the agent’s reply');
    conversationId = (
      await gateway.store.db.conversation.findFirstOrThrow({ where: { tenantId: tenant.id } })
    ).id;
    const takeover = await gateway.request({
      method: 'POST',
      url: `/admin/conversations/${conversationId}/takeover`,
      token: tenant.apiToken,
    });
    expect(takeover.statusCode, takeover.body).toBe(200);
  });

  afterEach(async () => {
    await gateway.close();
  });

  const upload = (bytes: Buffer, contentType: string, query = '', conversation = conversationId) =>
    gateway.request({
      method: 'POST',
      url: `/admin/conversations/${conversation}/media${query}`,
      token: tenant.apiToken,
      headers: { 'content-type': contentType },
      payload: bytes,
    });
  const storedFiles = async () =>
    readdir(join(gateway.dataDir, 'media', tenant.id)).catch(() => [] as string[]);
  const outboundCount = () =>
    gateway.store.db.message.count({ where: { tenantId: tenant.id, direction: 'outbound' } });

  it('stores each file, references it from the outbox message and sends it with Baileys, paced', {
    timeout: 60_000,
  }, async () => {
    const socket = gateway.sockets.latest();
    const before = socket.sends().length;
    const image = await upload(png, 'image/png', '?caption=Our%20cake');
    expect(image.statusCode, image.body).toBe(202);
    const document = await upload(PDF, 'application/pdf', '?fileName=menu.pdf&caption=The%20menu');
    expect(document.statusCode, document.body).toBe(202);

    await eventually(() => socket.sends().length >= before + 2, 20_000, 'both files sent');
    const [first, second] = socket.sends().slice(before);
    expect(first).toMatchObject({
      jid: CUSTOMER,
      content: { caption: 'Our cake', mimetype: 'image/png' },
    });
    expect(Buffer.compare((first!.content as { image: Buffer }).image, png)).toBe(0);
    expect(second).toMatchObject({
      jid: CUSTOMER,
      content: { fileName: 'menu.pdf', caption: 'The menu', mimetype: 'application/pdf' },
    });
    expect(Buffer.compare((second!.content as { document: Buffer }).document, PDF)).toBe(0);
    // The customer sees "composing" up to each file (no "paused" while the second waits for
    // its pacing slot), and the per-number gap between them.
    for (const sent of [first!, second!]) {
      const index = socket.calls.indexOf(sent);
      expect(socket.calls.slice(0, index).findLast((call) => call.kind === 'presence')).toMatchObject({
        kind: 'presence',
        presence: 'composing',
      });
    }
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(60_000 / TEST_PACING.sendsPerMinute - 5);

    const messageId = (image.json() as { messageId: string }).messageId;
    const stored = await eventually(
      async () => {
        const row = await gateway.store.db.message.findUniqueOrThrow({ where: { id: messageId } });
        return row.status === 'sent' ? row : undefined;
      },
      10_000,
      'the image recorded as sent',
    );
    expect(stored).toMatchObject({ kind: 'image', text: 'Our cake', providerMessageId: first!.messageId });
    const [part] = JSON.parse(stored!.parts) as Array<{ providerFileId: string; sizeBytes: number }>;
    expect(part).toMatchObject({
      type: 'media',
      mediaType: 'image',
      mimeType: 'image/png',
      sizeBytes: png.length,
    });
    expect(part!.providerFileId.startsWith(`${tenant.id}/`)).toBe(true);
    expect(await gateway.store.db.outboxMessage.findFirstOrThrow({ where: { messageId } })).toMatchObject({
      status: 'sent',
    });
    expect(await storedFiles()).toHaveLength(2);
  });

  it('refuses what it cannot send with a clear 4xx, and stores nothing', async () => {
    const messagesBefore = await outboundCount();
    const expectRefused = async (
      response: Awaited<ReturnType<typeof upload>>,
      status: number,
      error: string,
      says: string,
    ) => {
      expect(response.statusCode, response.body).toBe(status);
      expect(response.json()).toMatchObject({ error, message: expect.stringContaining(says) });
    };
    await expectRefused(await upload(PDF, 'image/png'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'not image/png');
    await expectRefused(
      await upload(Buffer.from('MZ\x90\x00'), 'application/x-msdownload'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Content-Type must be',
    );
    await expectRefused(
      await upload(Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(17 * 1024 * 1024)]), 'application/pdf'),
      413,
      'PAYLOAD_TOO_LARGE',
      '16 MiB',
    );
    await expectRefused(await upload(Buffer.alloc(0), 'image/png'), 400, 'VALIDATION_FAILED', 'empty');
    await expectRefused(
      await upload(PDF, 'application/pdf', '?fileName=..%2F..%2Fetc%2Fpasswd'),
      400,
      'VALIDATION_FAILED',
      'fileName',
    );
    await expectRefused(
      await upload(png, 'image/png', '', 'no-such-conversation'),
      404,
      'NOT_FOUND',
      'no-such-conversation',
    );

    // A channel that cannot send files refuses before the file is read.
    const telegramConversation = await gateway.store.db.conversation.create({
      data: {
        tenantId: tenant.id,
        contactId: (await gateway.store.db.contact.findFirstOrThrow({ where: { tenantId: tenant.id } })).id,
        channel: 'telegram',
        externalChatId: '4242',
        state: 'human',
      },
    });
    await expectRefused(
      await upload(png, 'image/png', '', telegramConversation.id),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'telegram channel cannot send files',
    );

    // Handed back to the agent: staff must take it over first.
    await gateway.request({
      method: 'POST',
      url: `/admin/conversations/${conversationId}/handback`,
      token: tenant.apiToken,
    });
    await expectRefused(await upload(png, 'image/png'), 409, 'CONFLICT', 'take it over');

    expect(await outboundCount()).toBe(messagesBefore);
    expect(await storedFiles()).toHaveLength(0);
  });
});
