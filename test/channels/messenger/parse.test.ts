import { describe, expect, it } from 'vitest';
import { messengerAdapter } from '../../../src/channels/messenger/adapter.ts';
import { messengerConfig, messengerFixtures } from './fixtures.ts';

const parse = (name: string) => messengerAdapter.parse(messengerFixtures.request(name), messengerConfig);
const customer = '5550000000000001';

describe('Messenger webhook bodies from Meta', () => {
  it('reads a text message from the customer, to be answered on their page-scoped id', () => {
    expect(parse('text')).toEqual([
      {
        type: 'message',
        providerMessageId: 'm_opjNdDwyX0ayaLpestzh7lyZYIisuz0aG0iCiceIMbslZcEXc8e8kF3HPetsWAad8kmB',
        chatId: customer,
        sender: { externalId: customer },
        sentAt: new Date(1767268800000),
        kind: 'text',
        text: 'Hello! Do you deliver on Sundays?',
        parts: [{ type: 'text', text: 'Hello! Do you deliver on Sundays?' }],
      },
    ]);
  });

  it('reads a quick reply as an interactive message carrying its payload', () => {
    expect(parse('quick_reply')).toEqual([
      expect.objectContaining({
        kind: 'interactive',
        text: 'Tomorrow',
        parts: [{ type: 'interactive', payload: 'DELIVERY_TOMORROW', title: 'Tomorrow' }],
      }),
    ]);
  });

  it('keeps an image attachment as a reference to its URL', () => {
    const [event] = parse('image_attachment');
    expect(event).toMatchObject({
      kind: 'media',
      parts: [
        {
          type: 'media',
          mediaType: 'image',
          providerFileId: expect.stringContaining('scontent.xx.fbcdn.net'),
        },
      ],
    });
  });

  it('reads the Get Started postback as an interactive message with its mid as dedupe key', () => {
    expect(parse('postback_get_started')).toEqual([
      expect.objectContaining({
        type: 'message',
        providerMessageId: 'm_vR8THsdoBD92_fD4ZbLSXN_th7jbkzI7UTZzKd4LJBpoa_2y7NyH124_bkbaCa-Hv9XQ',
        kind: 'interactive',
        text: 'Get Started',
        parts: [{ type: 'interactive', payload: 'GET_STARTED', title: 'Get Started' }],
      }),
    ]);
  });

  it('reads a delivery receipt as delivered statuses, and skips the read watermark that names no message', () => {
    expect(parse('delivery_and_read')).toEqual([
      {
        type: 'status',
        providerMessageId: 'm_6abMTyt8l6T9dkDLZnf1GsUypEo1ZyQTxgFOH0t8MCNmCbiFdknoISUiLYTinayNMVj0',
        status: 'delivered',
        at: new Date(1767268920000),
      },
    ]);
  });

  it('ignores the echo of a message the page sent', () => {
    expect(parse('echo')).toEqual([]);
  });
});
