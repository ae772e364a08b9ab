import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseTelegramUpdate } from '../../../src/channels/telegram/parse.ts';
import { AppError } from '../../../src/core/errors.ts';
import type { InboundEvent, InboundMessageEvent } from '../../../src/normalizer/types.ts';
import { fixtureRequest, loadFixture, webhookRequest } from './fixtures.ts';

/** What setup stores after getMe for the fixtures' bot. */
const configAfterSetup = {
  bot_token: '7000000001:fake-token_for-tests',
  webhook_secret: 'tg-secret_Test-0001',
  bot_username: 'gateway_test_bot',
  bot_id: '7000000001',
};

const ada = { externalId: '5550000001', displayName: 'Ada Test', username: 'ada_test', locale: 'en' };

function parseFixture(name: string, config: Record<string, string> = configAfterSetup): InboundEvent[] {
  return parseTelegramUpdate(fixtureRequest(name), config);
}

function parseBody(body: unknown, config: Record<string, string> = configAfterSetup): InboundEvent[] {
  return parseTelegramUpdate(webhookRequest(body), config);
}

/** The one message event a fixture yields; fails the test otherwise. */
function onlyMessage(events: InboundEvent[]): InboundMessageEvent {
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event?.type !== 'message') throw new Error(`expected a message event, got ${event?.type}`);
  return event;
}

/** A private-chat update from the photo fixture with its payload replaced. */
function privateMessage(payload: Record<string, unknown>): Record<string, unknown> {
  const update = loadFixture('message_photo');
  const { photo: _photo, caption: _caption, ...message } = update.message as Record<string, unknown>;
  return { update_id: update.update_id, message: { ...message, ...payload } };
}

function parseFailure(body: unknown): AppError {
  try {
    parseBody(body);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('parse accepted a malformed body');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('private messages', () => {
  it('maps a text command to a text message keyed by chat and message id', () => {
    expect(parseFixture('message_text_command')).toEqual([
      {
        type: 'message',
        providerMessageId: '5550000001:11',
        chatId: '5550000001',
        sender: ada,
        sentAt: new Date(1767268800 * 1000),
        kind: 'text',
        text: '/start hello',
        parts: [{ type: 'text', text: '/start hello' }],
      },
    ]);
  });

  it('gives a redelivered update the same provider message id, so it dedupes', () => {
    const first = onlyMessage(parseFixture('message_text_command'));
    const again = onlyMessage(parseFixture('message_text_command_redelivery'));
    expect(again.providerMessageId).toBe(first.providerMessageId);
  });

  it('keeps message ids of different chats apart', () => {
    const update = loadFixture('message_text_command');
    const message = update.message as Record<string, unknown>;
    const otherChat = { ...update, message: { ...message, chat: { id: 5550000009, type: 'private' } } };
    expect(onlyMessage(parseBody(otherChat)).providerMessageId).toBe('5550000009:11');
  });

  it('takes the largest photo size and puts the caption in text and on the part', () => {
    const event = onlyMessage(parseFixture('message_photo'));
    expect(event.kind).toBe('media');
    expect(event.text).toBe('Receipt for order #1042');
    expect(event.parts).toEqual([
      {
        type: 'media',
        mediaType: 'image',
        providerFileId: 'AgACAgEAAxkBAAIxRxmX2AmXvd4Vg5KQXYv1XGZANwq0iX0jAPRyL3U4aKaGbPK2Z8tGJXZ',
        sizeBytes: 73212,
        caption: 'Receipt for order #1042',
      },
    ]);
  });

  it('picks the largest photo even when sizes arrive out of order', () => {
    const photos = (loadFixture('message_photo').message as { photo: unknown[] }).photo;
    const event = onlyMessage(parseBody(privateMessage({ photo: [...photos].reverse() })));
    expect(event.parts[0]).toMatchObject({ sizeBytes: 73212 });
  });

  it('maps a voice note to a voice media part with its mime type and size', () => {
    const event = onlyMessage(parseFixture('message_voice'));
    expect(event.kind).toBe('media');
    expect(event.text).toBeUndefined();
    expect(event.parts).toEqual([
      {
        type: 'media',
        mediaType: 'voice',
        providerFileId: 'AwACAgEAAxkBAAIVxCHR4I-aEBRwNVCeOe9ZcLiBH2FR3OIATgMEJSJoCHnwk8Vp-Pg1-_l',
        mimeType: 'audio/ogg',
        sizeBytes: 11840,
      },
    ]);
  });

  it('maps a document with its file name, mime type, size and caption', () => {
    const event = onlyMessage(parseFixture('message_document'));
    expect(event.text).toBe('Here is the invoice');
    expect(event.parts).toEqual([
      {
        type: 'media',
        mediaType: 'document',
        providerFileId: 'BQACAgEAAxkBAAIBdGd0Zm9yLXRlc3RzLW9ubHktMTA0Mi1wZGYtZG9jdW1lbnQ',
        mimeType: 'application/pdf',
        fileName: 'invoice-1042.pdf',
        sizeBytes: 48213,
        caption: 'Here is the invoice',
      },
    ]);
  });

  it.each([
    ['audio', { audio: { file_id: 'audio-1', mime_type: 'audio/mpeg', file_name: 'song.mp3' } }, 'audio'],
    ['video', { video: { file_id: 'video-1', mime_type: 'video/mp4', width: 640, height: 360 } }, 'video'],
    ['video note', { video_note: { file_id: 'note-1', length: 240, duration: 3 } }, 'video'],
  ] as const)('maps %s to a %s media part', (_name, payload, mediaType) => {
    const event = onlyMessage(parseBody(privateMessage(payload)));
    expect(event.kind).toBe('media');
    expect(event.parts).toEqual([expect.objectContaining({ type: 'media', mediaType })]);
  });

  it.each([
    [{ is_animated: false, is_video: false }, 'image/webp'],
    [{ is_animated: true, is_video: false }, 'application/x-tgsticker'],
    [{ is_animated: false, is_video: true }, 'video/webm'],
  ])('maps a sticker %o to mime type %s', (flags, mimeType) => {
    const sticker = { file_id: 'sticker-1', width: 512, height: 512, type: 'regular', emoji: '👍', ...flags };
    const event = onlyMessage(parseBody(privateMessage({ sticker })));
    expect(event.parts).toEqual([
      { type: 'media', mediaType: 'sticker', providerFileId: 'sticker-1', mimeType },
    ]);
  });

  it('maps a location to a location part', () => {
    const event = onlyMessage(parseFixture('message_location'));
    expect(event.kind).toBe('location');
    expect(event.text).toBeUndefined();
    expect(event.parts).toEqual([{ type: 'location', latitude: 52.520008, longitude: 13.404954 }]);
  });

  it('names a venue location after the venue', () => {
    const event = onlyMessage(parseFixture('message_venue'));
    expect(event.parts).toEqual([
      { type: 'location', latitude: 48.137154, longitude: 11.576124, name: 'Marienplatz' },
    ]);
  });

  it('maps a shared contact to a contact part', () => {
    const event = onlyMessage(parseFixture('message_contact'));
    expect(event.kind).toBe('contact');
    expect(event.parts).toEqual([{ type: 'contact', name: 'Grace Example', phone: '+15550000003' }]);
  });

  it('stores a message it cannot represent as unsupported, without parts', () => {
    const event = onlyMessage(parseFixture('message_poll'));
    expect(event).toMatchObject({ kind: 'unsupported', parts: [], providerMessageId: '5550000001:20' });
    expect(event.text).toBeUndefined();
  });

  it('leaves out name parts and locale the user does not have', () => {
    const event = onlyMessage(
      parseBody(privateMessage({ text: 'hi', from: { id: 5550000004, is_bot: false, first_name: 'Lin' } })),
    );
    expect(event.sender).toEqual({ externalId: '5550000004', displayName: 'Lin' });
  });

  it('accepts fields it does not know, as Telegram adds them', () => {
    const update = loadFixture('message_text_command');
    const message = update.message as Record<string, unknown>;
    const extended = { ...update, brand_new_field: { x: 1 }, message: { ...message, is_from_offline: true } };
    expect(onlyMessage(parseBody(extended)).text).toBe('/start hello');
  });
});

describe('edits', () => {
  it('maps an edited message to an edit event with the original message id and the edit time', () => {
    expect(parseFixture('message_edited')).toEqual([
      {
        type: 'edit',
        providerMessageId: '5550000001:15',
        chatId: '5550000001',
        sender: ada,
        editedAt: new Date(1767269030 * 1000),
        text: 'Actually, I need 3 boxes',
        parts: [{ type: 'text', text: 'Actually, I need 3 boxes' }],
      },
    ]);
  });

  it('ignores edits of group messages that are not meant for the bot', () => {
    const chatter = loadFixture('group_chatter');
    const edit = {
      update_id: chatter.update_id,
      edited_message: { ...(chatter.message as object), edit_date: 1767271099 },
    };
    expect(parseBody(edit)).toEqual([]);
  });
});

describe('button presses', () => {
  it('maps a callback query to an interactive message with the button label', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
    expect(parseFixture('callback_query')).toEqual([
      {
        type: 'message',
        providerMessageId: 'callback:4382000000000000001',
        chatId: '5550000001',
        sender: ada,
        sentAt: new Date('2026-01-01T12:00:00Z'),
        kind: 'interactive',
        text: 'slot:10',
        parts: [{ type: 'interactive', payload: 'slot:10', title: '10:00' }],
      },
    ]);
  });

  it('falls back to the presser as chat when the button was not under a chat message', () => {
    const update = loadFixture('callback_query');
    const { message: _message, ...query } = update.callback_query as Record<string, unknown>;
    const event = onlyMessage(
      parseBody({ ...update, callback_query: { ...query, inline_message_id: 'AAAA' } }),
    );
    expect(event.chatId).toBe('5550000001');
    expect(event.parts).toEqual([{ type: 'interactive', payload: 'slot:10' }]);
  });

  it('keeps a game button without data as unsupported', () => {
    const update = loadFixture('callback_query');
    const { data: _data, ...query } = update.callback_query as Record<string, unknown>;
    const event = onlyMessage(
      parseBody({ ...update, callback_query: { ...query, game_short_name: 'quiz' } }),
    );
    expect(event).toMatchObject({
      kind: 'unsupported',
      parts: [],
      providerMessageId: 'callback:4382000000000000001',
    });
  });
});

describe('block and unblock', () => {
  it('maps a private chat member update to kicked as unsubscribed', () => {
    expect(parseFixture('my_chat_member_blocked')).toEqual([
      { type: 'subscription', sender: ada, subscribed: false, at: new Date(1767269400 * 1000) },
    ]);
  });

  it('maps a restart after a block as subscribed again', () => {
    expect(parseFixture('my_chat_member_unblocked')).toEqual([
      { type: 'subscription', sender: ada, subscribed: true, at: new Date(1767270000 * 1000) },
    ]);
  });

  it('ignores the bot being added to or removed from a group', () => {
    const update = loadFixture('my_chat_member_blocked');
    const member = update.my_chat_member as Record<string, unknown>;
    const removedFromGroup = {
      ...update,
      my_chat_member: { ...member, chat: { id: -1001000000001, type: 'supergroup' } },
    };
    expect(parseBody(removedFromGroup)).toEqual([]);
  });

  it('ignores other status changes, such as being made administrator', () => {
    const update = loadFixture('my_chat_member_blocked');
    const member = update.my_chat_member as Record<string, unknown>;
    const promoted = {
      ...update,
      my_chat_member: { ...member, new_chat_member: { status: 'administrator' } },
    };
    expect(parseBody(promoted)).toEqual([]);
  });
});

describe('groups', () => {
  it('keeps a message that mentions the bot, whatever the case of the mention', () => {
    const event = onlyMessage(parseFixture('group_mention'));
    expect(event).toMatchObject({
      providerMessageId: '-1001000000001:301',
      chatId: '-1001000000001',
      sender: { externalId: '5550000002', displayName: 'Bob', username: 'bob_test', locale: 'de' },
    });
  });

  it('keeps a command addressed to the bot by name', () => {
    expect(onlyMessage(parseFixture('group_command_for_bot')).text).toBe('/hours@gateway_test_bot');
  });

  it('keeps a command without a bot name, which every bot in the group receives', () => {
    const update = loadFixture('group_command_for_bot');
    const message = update.message as Record<string, unknown>;
    const bare = {
      ...update,
      message: { ...message, text: '/hours', entities: [{ offset: 0, length: 6, type: 'bot_command' }] },
    };
    expect(parseBody(bare)).toHaveLength(1);
  });

  it('drops a command addressed to another bot', () => {
    expect(parseFixture('group_command_for_other_bot')).toEqual([]);
  });

  it('keeps a reply to one of the bot’s messages', () => {
    expect(onlyMessage(parseFixture('group_reply_to_bot')).text).toBe('And on holidays?');
  });

  it('recognizes a reply to the bot by id alone', () => {
    const update = loadFixture('group_reply_to_bot');
    const message = update.message as Record<string, unknown>;
    const reply = {
      ...update,
      message: { ...message, reply_to_message: { message_id: 300, from: { id: 7000000001 } } },
    };
    expect(parseBody(reply)).toHaveLength(1);
  });

  it('drops a reply to another person', () => {
    const update = loadFixture('group_reply_to_bot');
    const message = update.message as Record<string, unknown>;
    const reply = {
      ...update,
      message: {
        ...message,
        reply_to_message: { message_id: 299, from: { id: 5550000001, username: 'ada_test' } },
      },
    };
    expect(parseBody(reply)).toEqual([]);
  });

  it('drops group chatter that names the bot only as plain text', () => {
    expect(parseFixture('group_chatter')).toEqual([]);
  });

  it('keeps a media caption that mentions the bot', () => {
    const update = loadFixture('group_mention');
    const { text: _text, entities: _entities, ...message } = update.message as Record<string, unknown>;
    const photo = {
      ...update,
      message: {
        ...message,
        photo: [{ file_id: 'photo-1', width: 90, height: 90 }],
        caption: '@gateway_test_bot is this damaged?',
        caption_entities: [{ offset: 0, length: 17, type: 'mention' }],
      },
    };
    expect(onlyMessage(parseBody(photo)).kind).toBe('media');
  });

  it('recognizes a mention of the bot only once setup has stored its username', () => {
    const { bot_username: _username, bot_id: _id, ...beforeSetup } = configAfterSetup;
    expect(parseFixture('group_mention', beforeSetup)).toEqual([]);
  });

  it('ignores channel posts', () => {
    expect(parseFixture('channel_post')).toEqual([]);
  });

  it('ignores update types the gateway does not handle', () => {
    const reaction = {
      update_id: 900000030,
      message_reaction: {
        chat: { id: 5550000001, type: 'private' },
        message_id: 11,
        date: 1767273000,
        old_reaction: [],
        new_reaction: [{ type: 'emoji', emoji: '👍' }],
      },
    };
    expect(parseBody(reaction)).toEqual([]);
  });
});

describe('malformed bodies', () => {
  it.each([
    ['not JSON', '{"update_id": 1, "message":', 'not valid JSON'],
    ['an array', '[{"update_id": 1}]', 'not a JSON object'],
    ['a number', '42', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['without update_id', '{"message": {"message_id": 1}}', 'update_id is missing'],
    ['with a text update_id', '{"update_id": "1"}', 'update_id'],
  ])('rejects a body that is %s as MALFORMED_PAYLOAD', (_name, body, expected) => {
    const error = parseFailure(body);
    expect(error.code).toBe('MALFORMED_PAYLOAD');
    expect(error.status).toBe(400);
    expect(error.message).toContain(expected);
  });

  it('names the field that is wrong in a message', () => {
    const update = loadFixture('message_text_command');
    const { chat: _chat, ...message } = update.message as Record<string, unknown>;
    const error = parseFailure({ ...update, message });
    expect(error.code).toBe('MALFORMED_PAYLOAD');
    expect(error.message).toContain('message.chat');
  });

  it('rejects a photo list that is not a list', () => {
    const error = parseFailure(privateMessage({ photo: { file_id: 'x' } }));
    expect(error.message).toContain('message.photo');
  });
});
