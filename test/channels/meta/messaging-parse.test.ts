import { describe, expect, it } from 'vitest';
import { parseMessagingWebhook } from '../../../src/channels/meta/messaging-parse.ts';

const page = '1000000000000001';
const customer = '5550000000000001';
const channel = { object: 'page', channelName: 'Messenger', accountId: page } as const;

/** One messaging item from the customer to the page. */
function fromCustomer(timestamp: number, payload: Record<string, unknown>, sender = customer) {
  return { sender: { id: sender }, recipient: { id: page }, timestamp, ...payload };
}

function parse(entries: unknown[]) {
  return parseMessagingWebhook(Buffer.from(JSON.stringify({ object: 'page', entry: entries })), channel);
}

describe('Messenger Platform batches', () => {
  it('reads every event of every entry of this page, in order, and skips other pages', () => {
    const events = parse([
      {
        id: page,
        time: 1767268801000,
        messaging: [
          fromCustomer(1767268800000, { message: { mid: 'm_1', text: 'one' } }),
          fromCustomer(1767268800500, { message: { mid: 'm_2', text: 'two' } }, '5550000000000002'),
        ],
      },
      {
        id: '1000000000000009',
        messaging: [fromCustomer(1767268801000, { message: { mid: 'm_other', text: 'not ours' } })],
      },
      { id: page, messaging: [fromCustomer(1767268802000, { message: { mid: 'm_3', text: 'three' } })] },
    ]);
    expect(
      events.map((event) => (event.type === 'message' ? [event.providerMessageId, event.chatId] : [])),
    ).toEqual([
      ['m_1', customer],
      ['m_2', '5550000000000002'],
      ['m_3', customer],
    ]);
  });

  it('reads a location, a file, a sticker and text beside an attachment', () => {
    const [location, file, sticker, captioned] = parse([
      {
        id: page,
        messaging: [
          fromCustomer(1, {
            message: {
              mid: 'm_loc',
              attachments: [
                { type: 'location', payload: { title: 'Depot', coordinates: { lat: 52.52, long: 13.4 } } },
              ],
            },
          }),
          fromCustomer(2, {
            message: {
              mid: 'm_file',
              attachments: [{ type: 'file', payload: { url: 'https://cdn.example/f.pdf' } }],
            },
          }),
          fromCustomer(3, {
            message: {
              mid: 'm_sticker',
              attachments: [
                {
                  type: 'sticker',
                  payload: { url: 'https://cdn.example/s.png', sticker_id: 369239263222822 },
                },
              ],
            },
          }),
          fromCustomer(4, {
            message: {
              mid: 'm_both',
              text: 'see photo',
              attachments: [{ type: 'image', payload: { url: 'https://cdn.example/p.jpg' } }],
            },
          }),
        ],
      },
    ]);
    expect(location).toMatchObject({
      kind: 'location',
      parts: [{ type: 'location', latitude: 52.52, longitude: 13.4, name: 'Depot' }],
    });
    expect(file).toMatchObject({
      kind: 'media',
      parts: [{ type: 'media', mediaType: 'document', providerFileId: 'https://cdn.example/f.pdf' }],
    });
    expect(sticker).toMatchObject({ kind: 'media', parts: [{ mediaType: 'sticker' }] });
    expect(captioned).toMatchObject({
      kind: 'media',
      text: 'see photo',
      parts: [
        { type: 'text', text: 'see photo' },
        { type: 'media', mediaType: 'image' },
      ],
    });
  });

  it('stores shares and unsupported messages as unsupported, and reads an unsent one as an unsend', () => {
    const events = parse([
      {
        id: page,
        messaging: [
          fromCustomer(1, {
            message: {
              mid: 'm_share',
              attachments: [{ type: 'share', payload: { url: 'https://instagram.com/p/x' } }],
            },
          }),
          fromCustomer(2, { message: { mid: 'm_unsupported', is_unsupported: true } }),
          fromCustomer(3, { message: { mid: 'm_deleted', is_deleted: true } }),
        ],
      },
    ]);
    expect(events).toEqual([
      expect.objectContaining({ providerMessageId: 'm_share', kind: 'unsupported', parts: [] }),
      expect.objectContaining({ providerMessageId: 'm_unsupported', kind: 'unsupported', parts: [] }),
      {
        type: 'unsend',
        providerMessageId: 'm_deleted',
        chatId: customer,
        sender: { externalId: customer },
        at: new Date(3),
      },
    ]);
  });

  it('gives a postback without mid an id that is the same on every redelivery', () => {
    const body = [
      {
        id: page,
        messaging: [fromCustomer(1767268890000, { postback: { title: 'Menu', payload: 'MENU' } })],
      },
    ];
    const [first] = parse(body);
    const [again] = parse(body);
    expect(first).toMatchObject({
      providerMessageId: `postback:${customer}:1767268890000`,
      kind: 'interactive',
    });
    expect(again).toEqual(first);
  });

  it('reads an edit of a customer message', () => {
    expect(
      parse([
        {
          id: page,
          messaging: [fromCustomer(5, { message_edit: { mid: 'm_1', text: 'fixed', num_edit: 1 } })],
        },
      ]),
    ).toEqual([
      {
        type: 'edit',
        providerMessageId: 'm_1',
        chatId: customer,
        sender: { externalId: customer },
        editedAt: new Date(5),
        text: 'fixed',
        parts: [{ type: 'text', text: 'fixed' }],
      },
    ]);
  });

  it('ignores anything the page itself sent, even without the echo flag', () => {
    expect(
      parse([{ id: page, messaging: [fromCustomer(1, { message: { mid: 'm_own', text: 'ours' } }, page)] }]),
    ).toEqual([]);
  });

  it('keeps the good events beside a malformed one', () => {
    const events = parse([
      {
        id: page,
        messaging: [
          fromCustomer(1, { message: { text: 'no mid' } }),
          { recipient: { id: page }, timestamp: 2, message: { mid: 'm_no_sender', text: 'x' } },
          fromCustomer(3, { message: { mid: 'm_good', text: 'fine' } }),
        ],
      },
      'not an entry',
    ]);
    expect(events).toEqual([expect.objectContaining({ providerMessageId: 'm_good' })]);
  });

  it('rejects a batch with nothing usable, naming the first problem', () => {
    expect(() =>
      parse([{ id: page, messaging: [fromCustomer(1, { message: { text: 'no mid' } })] }]),
    ).toThrow(
      expect.objectContaining({
        code: 'MALFORMED_PAYLOAD',
        message: expect.stringContaining('entry[0].messaging[0].message.mid'),
      }),
    );
  });
});
