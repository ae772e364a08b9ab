import { describe, expect, it } from 'vitest';
import { instagramAdapter } from '../../../src/channels/instagram/adapter.ts';
import { instagramConfig, instagramFixtures } from './fixtures.ts';

const parse = (name: string) => instagramAdapter.parse(instagramFixtures.request(name), instagramConfig);
const customer = '1000000000000101';
/** The fixtures' message ids differ only in the base64 of their last digit (1 → E, 2 → I, …). */
const mid = (n: 1 | 2 | 3 | 4) =>
  `aWdfbWVzc2FnZV9pdGVtOjE6SUdNZXNzYWdlVGhyZWFkSUQ6MTc4NDE0MDAwMDAwMDAwMDE6MzQwMjgyMzY2ODQxNzEwMzAwOTQ5MTI4MTMyMTYwNTUxODAwMD${'EIMQ'[n - 1]}=`;

describe('Instagram webhook bodies from Meta', () => {
  it('reads a direct message, to be answered on the customer’s Instagram-scoped id', () => {
    expect(parse('text')).toEqual([
      {
        type: 'message',
        providerMessageId: mid(1),
        chatId: customer,
        sender: { externalId: customer },
        sentAt: new Date(1767268800000),
        kind: 'text',
        text: 'Hi! Is the blue hoodie back in stock?',
        parts: [{ type: 'text', text: 'Hi! Is the blue hoodie back in stock?' }],
      },
    ]);
  });

  it('keeps an image as a reference to its CDN URL', () => {
    expect(parse('image_attachment')).toEqual([
      expect.objectContaining({
        providerMessageId: mid(2),
        kind: 'media',
        parts: [
          {
            type: 'media',
            mediaType: 'image',
            providerFileId: expect.stringContaining('lookaside.fbsbx.com/ig_messaging_cdn'),
          },
        ],
      }),
    ]);
  });

  it('reads an ice breaker as an interactive message', () => {
    expect(parse('postback_icebreaker')).toEqual([
      expect.objectContaining({
        providerMessageId: mid(4),
        kind: 'interactive',
        text: 'Track my order',
        parts: [{ type: 'interactive', payload: 'ICEBREAKER_TRACK', title: 'Track my order' }],
      }),
    ]);
  });

  it('reads "seen" as the read status of our message', () => {
    expect(parse('seen')).toEqual([
      { type: 'status', providerMessageId: mid(3), status: 'read', at: new Date(1767268855000) },
    ]);
  });

  it('ignores the echo of a message the account sent', () => {
    expect(parse('echo')).toEqual([]);
  });

  it('refuses a Messenger body posted to the Instagram webhook', () => {
    const body = instagramFixtures.raw('text').replace('"object":"instagram"', '"object":"page"');
    expect(() =>
      instagramAdapter.parse(
        { ...instagramFixtures.request('text'), rawBody: Buffer.from(body) },
        instagramConfig,
      ),
    ).toThrow(
      expect.objectContaining({ code: 'MALFORMED_PAYLOAD', message: expect.stringContaining('"instagram"') }),
    );
  });
});
