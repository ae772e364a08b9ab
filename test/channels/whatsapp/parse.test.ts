import { describe, expect, it } from 'vitest';
import { parseWhatsAppWebhook } from '../../../src/channels/whatsapp/parse.ts';
import { metaRequest } from '../meta/support.ts';
import { whatsappChange, whatsappConfig, whatsappFixtures } from './fixtures.ts';

const parse = (name: string) => parseWhatsAppWebhook(whatsappFixtures.request(name), whatsappConfig);
const ada = { externalId: '15550000001', displayName: 'Ada Test' };
const wamid = (n: number) =>
  `wamid.HBgLMTU1NTAwMDAwMDEVAgASGBRGQUtFTUlYMDAwMDAwMDAwMDAw${String(n).padStart(2, '0')}AA==`;
const ours = 'wamid.HBgLMTU1NTAwMDAwMDEVAgARGBJGQUtFT1VUMDAwMDAwMDAwMDAxAA==';

function parseBody(body: unknown) {
  return () => parseWhatsAppWebhook(metaRequest(body), whatsappConfig);
}

describe('WhatsApp webhook bodies from Meta', () => {
  it('reads a text message with the sender profile name and the wamid as dedupe key', () => {
    expect(parse('text')).toEqual([
      {
        type: 'message',
        providerMessageId: 'wamid.GAsxNTU1MDAwMDAwMRUCABIYFDNBRkFLRUlOMDAwMTAwMDAwMDAwAA==',
        chatId: '15550000001',
        sender: ada,
        sentAt: new Date(1767268800 * 1000),
        kind: 'text',
        text: 'Hi, is my order #1042 shipped?',
        parts: [{ type: 'text', text: 'Hi, is my order #1042 shipped?' }],
      },
    ]);
  });

  it('keeps an image as a reference to its media id, with the caption as text', () => {
    expect(parse('image')).toEqual([
      expect.objectContaining({
        kind: 'media',
        text: 'The box arrived damaged',
        parts: [
          {
            type: 'media',
            mediaType: 'image',
            providerFileId: '1000000000000101',
            mimeType: 'image/jpeg',
            caption: 'The box arrived damaged',
          },
        ],
      }),
    ]);
  });

  it('reads a recorded voice note as voice, not as an audio file', () => {
    const [event] = parse('audio_voice_note');
    expect(event).toMatchObject({
      kind: 'media',
      parts: [
        {
          type: 'media',
          mediaType: 'voice',
          providerFileId: '1000000000000102',
          mimeType: 'audio/ogg; codecs=opus',
        },
      ],
    });
  });

  it('reads a pressed reply button as an interactive message carrying our payload', () => {
    expect(parse('interactive_button_reply')).toEqual([
      expect.objectContaining({
        kind: 'interactive',
        text: 'Yes, reship',
        parts: [{ type: 'interactive', payload: 'confirm_yes', title: 'Yes, reship' }],
      }),
    ]);
  });

  it('reads a location with its name and address', () => {
    const [event] = parse('location');
    expect(event).toMatchObject({
      kind: 'location',
      parts: [
        {
          type: 'location',
          latitude: 37.7749,
          longitude: -122.4194,
          name: 'Test Depot, 1 Example Way, San Francisco, CA',
        },
      ],
    });
  });

  it('stores an unsupported message as kind unsupported instead of failing', () => {
    expect(parse('unsupported')).toEqual([
      expect.objectContaining({
        type: 'message',
        providerMessageId: 'wamid.GAsxNTU1MDAwMDAwMRUCABIYFDNBRkFLRUlOMDAwNjAwMDAwMDAwAA==',
        kind: 'unsupported',
        parts: [],
      }),
    ]);
  });

  it('reads a status of one of our messages as a delivery status', () => {
    expect(parse('status_delivered')).toEqual([
      {
        type: 'status',
        providerMessageId: 'wamid.GAsxNTU1MDAwMDAwMRUCABIYFDNBRkFLRU9VVDAwMDEwMDAwMDAwAA==',
        status: 'delivered',
        at: new Date(1767268940 * 1000),
      },
    ]);
  });
});

describe('a batch of many entries and changes', () => {
  const events = parse('batch_mixed');
  const message = (n: number) =>
    events.find((event) => event.type === 'message' && event.providerMessageId === wamid(n));

  it('reads every message of this number, in order, and nothing of another number', () => {
    const ids = events.flatMap((event) => (event.type === 'message' ? [event.providerMessageId] : []));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 12].map(wamid));
    expect(ids).not.toContain(wamid(11));
  });

  it('gives every message its own sender and profile name', () => {
    expect(message(1)).toMatchObject({ chatId: '15550000001', sender: ada });
    expect(message(2)).toMatchObject({
      chatId: '15550000002',
      sender: { externalId: '15550000002', displayName: 'Bea Beispiel' },
    });
  });

  it('reads a reply to our message like any other message', () => {
    expect(message(1)).toMatchObject({ kind: 'text', text: 'Yes, that one please' });
  });

  it('reads video, document with file name, and sticker as media references', () => {
    expect(message(2)).toMatchObject({
      kind: 'media',
      text: 'Unboxing',
      parts: [{ mediaType: 'video', providerFileId: '1000000000000201', mimeType: 'video/mp4' }],
    });
    expect(message(3)).toMatchObject({
      parts: [
        {
          mediaType: 'document',
          fileName: 'invoice-1042.pdf',
          mimeType: 'application/pdf',
          caption: 'Invoice',
        },
      ],
    });
    expect(message(4)).toMatchObject({
      parts: [{ mediaType: 'sticker', providerFileId: '1000000000000203' }],
    });
  });

  it('reads shared contacts with their names and first phone number', () => {
    expect(message(5)).toMatchObject({
      kind: 'contact',
      parts: [
        { type: 'contact', name: 'Grace Hopper', phone: '+1 555 000 0042' },
        { type: 'contact', name: 'Linus' },
      ],
    });
  });

  it('reads a list choice and a template button as interactive messages', () => {
    expect(message(6)).toMatchObject({
      kind: 'interactive',
      text: 'Tuesday 10:00',
      parts: [{ type: 'interactive', payload: 'slot_tue_10', title: 'Tuesday 10:00' }],
    });
    expect(message(7)).toMatchObject({
      kind: 'interactive',
      parts: [{ type: 'interactive', payload: 'TRACK_ORDER', title: 'Track my order' }],
    });
  });

  it('reads a reaction with its emoji and the message it reacts to, and skips a withdrawn one', () => {
    expect(message(8)).toMatchObject({
      kind: 'interactive',
      text: '👍',
      parts: [{ type: 'interactive', payload: `reaction:${ours}`, title: '👍' }],
    });
    expect(message(9)).toBeUndefined();
  });

  it('stores an order, which Switchboard does not read, as unsupported', () => {
    expect(message(10)).toMatchObject({ kind: 'unsupported', parts: [] });
  });

  it('decodes escaped non-ASCII text and names', () => {
    expect(message(12)).toMatchObject({
      text: 'Grüße aus Köln 👋 – ist Bestellung #1042 unterwegs?',
      sender: { externalId: '15550000004', displayName: 'Jürgen Müller' },
    });
  });

  it('reads sent, read and failed statuses with the error, and skips statuses it does not track', () => {
    const statuses = events.filter((event) => event.type === 'status');
    expect(statuses).toEqual([
      { type: 'status', providerMessageId: ours, status: 'sent', at: new Date(1767269000 * 1000) },
      { type: 'status', providerMessageId: ours, status: 'read', at: new Date(1767269050 * 1000) },
      {
        type: 'status',
        providerMessageId: 'wamid.HBgLMTU1NTAwMDAwMDIVAgARGBJGQUtFT1VUMDAwMDAwMDAwMDAyAA==',
        status: 'failed',
        at: new Date(1767269060 * 1000),
        error:
          '131047 Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      },
    ]);
  });
});

describe('bad input', () => {
  it('keeps the valid messages of a batch and skips the malformed ones beside them', () => {
    const events = parse('batch_with_bad_items');
    expect(events.map((event) => (event.type === 'message' ? event.text : event.type))).toEqual([
      'first, fine',
      'second, fine',
    ]);
  });

  it('rejects a batch in which nothing is usable, naming where the problems are', () => {
    const body = whatsappChange({
      messages: [{ from: '15550000001', timestamp: '1767269300', type: 'text', text: { body: 'no id' } }],
    });
    expect(parseBody(body)).toThrow(
      expect.objectContaining({
        code: 'MALFORMED_PAYLOAD',
        message: expect.stringContaining('entry[0].changes[0].value.messages[0].id'),
      }),
    );
  });

  it.each([
    ['not JSON', '{"object":', 'not valid JSON'],
    ['a JSON array', '[]', 'not a JSON object'],
    ['a Messenger body', { object: 'page', entry: [] }, 'object is "page"'],
    ['a body without object', { entry: [] }, 'object is missing'],
    [
      'entry that is not a list',
      { object: 'whatsapp_business_account', entry: {} },
      'entry is missing or not an array',
    ],
  ])('rejects %s as MALFORMED_PAYLOAD', (_name, body, message) => {
    expect(parseBody(body)).toThrow(
      expect.objectContaining({ code: 'MALFORMED_PAYLOAD', message: expect.stringContaining(message) }),
    );
  });

  it('answers an empty batch with no events', () => {
    expect(parseBody({ object: 'whatsapp_business_account', entry: [] })()).toEqual([]);
  });

  it('rejects a text message without its text, and a timestamp after the year 9999', () => {
    const message = { from: '15550000001', id: 'wamid.X', timestamp: '1767269300', type: 'text' };
    const body = (messages: unknown[]) => whatsappChange({ messages });
    expect(parseBody(body([message]))).toThrow('a text message needs "text"');
    expect(parseBody(body([{ ...message, text: { body: 'x' }, timestamp: '999999999999' }]))).toThrow(
      'year 9999',
    );
  });

  it('drops NUL characters, which PostgreSQL cannot store', () => {
    const raw = whatsappFixtures.raw('text').replace('Hi, is', 'Hi,\\u0000 is');
    const [event] = parseWhatsAppWebhook(metaRequest(raw), whatsappConfig);
    expect(event).toMatchObject({ text: 'Hi, is my order #1042 shipped?' });
  });
});
