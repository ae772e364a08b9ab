/**
 * Telegram webhook bodies for the load. Update n is a private-chat text message with
 * update_id = message_id = n in chat `FIRST_CHAT_ID + n % chats`, so every n is a distinct
 * message (the gateway's dedupe key is chat + message id) and the chats, with their contacts
 * and conversations, are created on first use and reused afterwards.
 */
const FIRST_CHAT_ID = 1_000_000;

export function chatOf(updateId: number, chats: number): number {
  return FIRST_CHAT_ID + (updateId % chats);
}

/** The id the gateway stores the message under (`<chat id>:<message id>`). */
export function providerMessageIdOf(updateId: number, chats: number): string {
  return `${chatOf(updateId, chats)}:${updateId}`;
}

export function updateBody(updateId: number, chats: number): string {
  return textUpdate(updateId, chatOf(updateId, chats));
}

/** A private-chat text message `messageId` (also the update id) from chat `chatId`. */
export function textUpdate(messageId: number, chatId: number): string {
  return JSON.stringify({
    update_id: messageId,
    message: {
      message_id: messageId,
      from: { id: chatId, is_bot: false, first_name: 'Ada', last_name: 'Bench', language_code: 'en' },
      chat: { id: chatId, first_name: 'Ada', type: 'private' },
      date: 1767268800,
      text: `hello from the bench, message ${messageId}`,
    },
  });
}
