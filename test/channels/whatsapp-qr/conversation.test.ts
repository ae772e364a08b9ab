/**
 * A WhatsApp (QR) conversation through the whole gateway with a stand-in socket: the agent's
 * replies go out with a read receipt, "composing" and pacing; one person's phone JID and LID
 * (and their SMS) are one contact; a message the business writes on its phone pauses the
 * agent until the configured time has passed; delivery receipts reach the stored reply.
 */
import { readFileSync } from 'node:fs';
import type { proto } from '@whiskeysockets/baileys';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../../src/normalizer/ingest.ts';
import { eventually } from '../../support/gateway.ts';
import { type QrGateway, startQrGateway, TEST_PACING } from './qr-gateway.ts';

const CUSTOMER = '15550000001@s.whatsapp.net';
const CUSTOMER_LID = '123450000000001@lid';

let sequence = 0;
function text(body: string, key: Record<string, unknown> = {}): proto.IWebMessageInfo {
  sequence += 1;
  return {
    key: { remoteJid: CUSTOMER, fromMe: false, id: `3EB0CONV${String(sequence).padStart(8, '0')}`, ...key },
    messageTimestamp: Math.floor(Date.now() / 1000),
    pushName: 'Ada Test',
    message: { conversation: body },
  } as proto.IWebMessageInfo;
}

describe('WhatsApp QR conversation', () => {
  let gateway: QrGateway;
  let tenant: { id: string; apiToken: string };

  beforeEach(async () => {
    gateway = await startQrGateway();
    tenant = await gateway.createTenant('bakery');
    await gateway.link(tenant.apiToken);
  });

  afterEach(async () => {
    await gateway.close();
  });

  const socket = () => gateway.sockets.latest();
  const sendsTo = (jid: string) =>
    socket()
      .sends()
      .filter((call) => call.jid === jid);

  /** Sends a message and waits for the agent's reply to reach the socket. */
  async function exchange(message: proto.IWebMessageInfo, jid = CUSTOMER) {
    const before = sendsTo(jid).length;
    socket().receive(message);
    await eventually(() => sendsTo(jid).length > before, 20_000, 'the reply');
    return sendsTo(jid).at(-1)!;
  }

  it('replies with a read receipt and "composing" first, paced, and records the sent id and receipts', {
    timeout: 90_000,
  }, async () => {
    const first = text('Hi! Is the store open on Sunday?');
    const reply = await exchange(first);
    expect(reply.content).toMatchObject({ text: expect.any(String) });
    const calls = socket().calls;
    const read = calls.findIndex((call) => call.kind === 'read');
    expect(calls[read]!.keys).toEqual([{ remoteJid: CUSTOMER, id: first.key!.id, fromMe: false }]);
    const sendAt = calls.indexOf(reply);
    const composing = calls.findLastIndex(
      (call, index) => index < sendAt && call.kind === 'presence' && call.presence === 'composing',
    );
    expect(composing).toBeGreaterThan(read);
    expect(calls[sendAt + 1]).toMatchObject({ kind: 'presence', presence: 'paused', jid: CUSTOMER });
    // "Typing" lasted at least as long as the pacing's typing time for that text.
    const typingMs = Math.min(
      TEST_PACING.maxTypingMs,
      String((reply.content as { text: string }).text).length,
    );
    expect(reply.at - calls[composing]!.at).toBeGreaterThanOrEqual(typingMs - 5);

    const stored = await eventually(
      () =>
        gateway.store.db.message.findFirst({
          where: { tenantId: tenant.id, direction: 'outbound', status: 'sent' },
        }),
      10_000,
      'the sent reply',
    );
    expect(stored!.providerMessageId).toBe(reply.messageId);
    // The read receipt from WhatsApp reaches the stored reply.
    const receipts = JSON.parse(
      readFileSync('/work/shared/fixtures/whatsapp-baileys/messages_update_status.json', 'utf8'),
    ).data as Array<{ key: { id: string }; update: { status: number } }>;
    socket().emit(
      'messages.update',
      receipts.map((entry) => ({ ...entry, key: { ...entry.key, id: reply.messageId! } })),
    );
    await eventually(
      async () =>
        (await gateway.store.db.message.findUnique({ where: { id: stored!.id } }))?.status === 'read',
      10_000,
      'the read status',
    );

    // Two chats answered back to back: the second send waits at least the pacing gap.
    const other = '15550000002@s.whatsapp.net';
    socket().receive(text('Do you deliver?'), text('And cakes?', { remoteJid: other }));
    await eventually(
      () => sendsTo(CUSTOMER).length === 2 && sendsTo(other).length === 1,
      20_000,
      'both replies',
    );
    const [a, b] = [sendsTo(CUSTOMER).at(-1)!, sendsTo(other).at(-1)!].sort((x, y) => x.at - y.at);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(60_000 / TEST_PACING.sendsPerMinute - 5);
  });

  it('keeps one contact for the phone JID, the LID and the same number on SMS', {
    timeout: 90_000,
  }, async () => {
    // An SMS from the number, stored before WhatsApp ever saw this person.
    await ingestBatch(
      gateway.store.db,
      [
        {
          tenantId: tenant.id,
          channel: 'sms',
          events: [
            {
              type: 'message',
              providerMessageId: 'SM00000000000000000000000000000001',
              chatId: '+15550000001',
              sender: { externalId: '+15550000001' },
              sentAt: new Date(),
              kind: 'text',
              text: 'hello by SMS',
              parts: [{ type: 'text', text: 'hello by SMS' }],
            },
          ],
        },
      ],
      async () => {},
    );
    const smsContact = (
      await gateway.store.db.channelIdentity.findFirstOrThrow({ where: { channel: 'sms' } })
    ).contactId;
    // Addressed by phone JID with the LID beside it (Baileys 7's remoteJidAlt)…
    await exchange(text('first on WhatsApp', { remoteJidAlt: CUSTOMER_LID, addressingMode: 'pn' }));
    // …then by LID alone, as WhatsApp does in LID-addressed chats.
    const byLid = await exchange(text('now by LID', { remoteJid: CUSTOMER_LID, addressingMode: 'lid' }));
    expect(byLid.jid).toBe(CUSTOMER);
    const identities = await gateway.store.db.channelIdentity.findMany({ where: { tenantId: tenant.id } });
    expect(identities.map((identity) => [identity.channel, identity.externalId]).sort()).toEqual([
      ['sms', '+15550000001'],
      ['whatsapp_qr', '+15550000001'],
    ]);
    expect(new Set(identities.map((identity) => identity.contactId))).toEqual(new Set([smsContact]));
    const conversations = await gateway.store.db.conversation.findMany({
      where: { tenantId: tenant.id, channel: 'whatsapp_qr' },
    });
    expect(conversations.map((row) => row.externalChatId)).toEqual([CUSTOMER]);

    // A person seen first by LID only joins their number's contact once WhatsApp names the number.
    const stranger = '123450000000077@lid';
    await exchange(text('who am I', { remoteJid: stranger }), stranger);
    const before = await gateway.store.db.channelIdentity.findFirstOrThrow({
      where: { externalId: stranger },
    });
    await ingestBatch(
      gateway.store.db,
      [
        {
          tenantId: tenant.id,
          channel: 'sms',
          events: [
            {
              type: 'message',
              providerMessageId: 'SM00000000000000000000000000000077',
              chatId: '+15550000077',
              sender: { externalId: '+15550000077' },
              sentAt: new Date(),
              kind: 'text',
              text: 'sms from 77',
              parts: [{ type: 'text', text: 'sms from 77' }],
            },
          ],
        },
      ],
      async () => {},
    );
    socket().emit('lid-mapping.update', { lid: stranger, pn: '15550000077@s.whatsapp.net' });
    await eventually(
      async () =>
        (await gateway.store.db.channelIdentity.findUnique({ where: { id: before.id } }))?.externalId ===
        '+15550000077',
      10_000,
      'the LID identity re-keyed to its number',
    );
    const smsOf77 = await gateway.store.db.channelIdentity.findFirstOrThrow({
      where: { externalId: '+15550000077', channel: 'sms' },
    });
    expect((await gateway.store.db.channelIdentity.findUnique({ where: { id: before.id } }))!.contactId).toBe(
      smsOf77.contactId,
    );
    const reply = await exchange(
      text('me again', { remoteJid: '15550000077@s.whatsapp.net' }),
      '15550000077@s.whatsapp.net',
    );
    expect(reply.jid).toBe('15550000077@s.whatsapp.net');
    expect(
      await gateway.store.db.conversation.count({
        where: { tenantId: tenant.id, contactId: smsOf77.contactId, channel: 'whatsapp_qr' },
      }),
    ).toBe(1);
  });

  it('pauses the agent when the business writes from its phone, and resumes after the configured time', {
    timeout: 90_000,
  }, async () => {
    const saved = await gateway.request({
      method: 'PUT',
      url: '/admin/connector-hub/whatsapp_qr/config',
      token: tenant.apiToken,
      payload: { human_pause_minutes: '45' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const bad = await gateway.request({
      method: 'PUT',
      url: '/admin/connector-hub/whatsapp_qr/config',
      token: tenant.apiToken,
      payload: { human_pause_minutes: 'soon' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('human_pause_minutes');

    await exchange(text('Can I order a cake?'));
    const conversation = await gateway.store.db.conversation.findFirstOrThrow({
      where: { tenantId: tenant.id },
    });
    // Our own send echoed back as a live message is recognised and changes nothing.
    const ours = socket().sends().at(-1)!;
    socket().receive({
      key: { remoteJid: CUSTOMER, fromMe: true, id: ours.messageId },
      messageTimestamp: Math.floor(Date.now() / 1000),
      message: { conversation: 'echo' },
    });
    // The owner answers on the phone.
    socket().receive({
      key: { remoteJid: CUSTOMER, fromMe: true, id: '3EB0PHONE0000001' },
      messageTimestamp: Math.floor(Date.now() / 1000),
      message: { extendedTextMessage: { text: 'I will call you in a minute!' } },
    });
    await eventually(
      async () =>
        (await gateway.store.db.conversation.findUnique({ where: { id: conversation.id } }))?.state ===
        'human',
      10_000,
      'the human state',
    );
    const fromPhone = await gateway.store.db.message.findFirstOrThrow({
      where: { providerMessageId: '3EB0PHONE0000001' },
    });
    expect(fromPhone).toMatchObject({
      direction: 'outbound',
      text: 'I will call you in a minute!',
      status: 'sent',
    });
    const stateRows = await gateway.store.db.message.findMany({
      where: { conversationId: conversation.id, kind: 'state' },
    });
    expect(stateRows.map((row) => JSON.parse(row.parts)[0].actor)).toEqual(['whatsapp_qr:phone']);

    // The customer writes again: no reply while the person has the conversation.
    const sentBefore = socket().sends().length;
    socket().receive(text('Thanks!'));
    await eventually(
      async () =>
        (await gateway.store.db.message.count({
          where: { conversationId: conversation.id, direction: 'inbound' },
        })) === 2,
      10_000,
      'the second message',
    );
    // Due jobs settle; the hand-back job waits 45 minutes and is not due yet.
    await eventually(
      async () =>
        (await gateway.store.db.job.count({
          where: { kind: { in: ['respond', 'deliver'] }, status: { in: ['queued', 'running'] } },
        })) === 0,
      20_000,
      'the respond job',
    );
    expect(socket().sends()).toHaveLength(sentBefore);

    // 44 minutes later still paused; past 45 the agent has it back.
    gateway.advance(44 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await gateway.store.db.conversation.findUnique({ where: { id: conversation.id } }))!.state).toBe(
      'human',
    );
    gateway.advance(2 * 60_000);
    await eventually(
      async () =>
        (await gateway.store.db.conversation.findUnique({ where: { id: conversation.id } }))?.state === 'bot',
      10_000,
      'the hand-back',
    );
    await exchange(text('Are you there?'));
  });
});
