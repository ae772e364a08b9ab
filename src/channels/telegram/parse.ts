import type { ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import type { InboundEvent, Sender } from '../../normalizer/types.ts';
import { readJsonObject } from '../json-body.ts';
import type { WebhookRequest } from '../types.ts';
import { isAddressedToBot } from './addressing.ts';
import { messageContent } from './content.ts';
import {
  type TelegramCallbackQuery,
  type TelegramMessage,
  type TelegramUpdate,
  type TelegramUser,
  updateSchema,
} from './schema.ts';

/** Issues quoted in a MALFORMED_PAYLOAD message; more would bury the first one. */
const MAX_REPORTED_ISSUES = 3;

/**
 * Reads one webhook body (a single Telegram `Update`) into the events Switchboard acts on:
 * messages, edits, button presses and block/unblock. Updates the gateway does not handle
 * (channel posts, reactions, group chatter not meant for the bot, …) give `[]`.
 * Throws AppError('MALFORMED_PAYLOAD') when the body is not a Telegram update.
 */
export function parseTelegramUpdate(request: WebhookRequest, config: ConnectorValues): InboundEvent[] {
  const update = readUpdate(request.rawBody);
  if (update.message !== undefined) return messageEvents(update.message, config);
  if (update.edited_message !== undefined) return editEvents(update.edited_message, config);
  if (update.callback_query !== undefined) return [callbackEvent(update.callback_query)];
  if (update.my_chat_member !== undefined) return subscriptionEvents(update.my_chat_member);
  return [];
}

function readUpdate(rawBody: Buffer): TelegramUpdate {
  const body = readJsonObject(rawBody, 'Telegram sends one Update object');
  if (!('update_id' in body)) {
    throw new AppError('MALFORMED_PAYLOAD', 'update_id is missing; this is not a Telegram update');
  }
  const result = updateSchema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, MAX_REPORTED_ISSUES)
      .map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
    throw new AppError('MALFORMED_PAYLOAD', `not a valid Telegram update: ${issues.join('; ')}`);
  }
  return result.data;
}

function messageEvents(message: TelegramMessage, config: ConnectorValues): InboundEvent[] {
  if (!isForBot(message, config)) return [];
  const content = messageContent(message);
  return [
    {
      type: 'message',
      providerMessageId: messageId(message),
      chatId: String(message.chat.id),
      sender: messageSender(message),
      sentAt: fromUnixSeconds(message.date),
      kind: content.kind,
      text: content.text,
      parts: content.parts,
    },
  ];
}

function editEvents(message: TelegramMessage, config: ConnectorValues): InboundEvent[] {
  if (!isForBot(message, config)) return [];
  const content = messageContent(message);
  return [
    {
      type: 'edit',
      providerMessageId: messageId(message),
      chatId: String(message.chat.id),
      sender: messageSender(message),
      editedAt: fromUnixSeconds(message.edit_date ?? message.date),
      text: content.text,
      parts: content.parts,
    },
  ];
}

/**
 * A button press. The id is the callback query's own, which `send` recognizes to answer the
 * query (and stop the button's loading spinner) before replying.
 */
function callbackEvent(query: TelegramCallbackQuery): InboundEvent {
  const chatId = String(query.message?.chat?.id ?? query.from.id);
  const common = {
    type: 'message' as const,
    providerMessageId: `callback:${query.id}`,
    chatId,
    sender: senderFrom(query.from),
    // A callback query carries no timestamp; the moment it arrives is the closest we have.
    sentAt: new Date(),
  };
  // Game buttons send `game_short_name` instead of data; there is nothing to answer with.
  if (query.data === undefined) return { ...common, kind: 'unsupported', parts: [] };
  const title = buttonTitle(query, query.data);
  return {
    ...common,
    kind: 'interactive',
    text: query.data,
    parts: [
      title === undefined
        ? { type: 'interactive', payload: query.data }
        : { type: 'interactive', payload: query.data, title },
    ],
  };
}

/** The label of the pressed button, read from the keyboard of the message it was under. */
function buttonTitle(query: TelegramCallbackQuery, data: string): string | undefined {
  const rows = query.message?.reply_markup?.inline_keyboard ?? [];
  return rows.flat().find((button) => button.callback_data === data)?.text;
}

/** Only a private chat's member update means one person blocked (`kicked`) or restarted the bot. */
function subscriptionEvents(update: NonNullable<TelegramUpdate['my_chat_member']>): InboundEvent[] {
  if (update.chat.type !== 'private') return [];
  const status = update.new_chat_member.status;
  if (status !== 'kicked' && status !== 'member') return [];
  return [
    {
      type: 'subscription',
      sender: senderFrom(update.from),
      subscribed: status === 'member',
      at: fromUnixSeconds(update.date),
    },
  ];
}

/** Private chats always reach the bot; in groups only what is addressed to it. */
function isForBot(message: TelegramMessage, config: ConnectorValues): boolean {
  if (message.chat.type === 'private') return true;
  if (message.chat.type === 'group' || message.chat.type === 'supergroup')
    return isAddressedToBot(message, config);
  return false;
}

/** `message_id` is unique only within its chat, so the chat id is part of the key. */
function messageId(message: TelegramMessage): string {
  return `${message.chat.id}:${message.message_id}`;
}

/** `from` is absent only for posts sent on behalf of a chat; then the chat is the sender. */
function messageSender(message: TelegramMessage): Sender {
  return message.from === undefined ? { externalId: String(message.chat.id) } : senderFrom(message.from);
}

function senderFrom(user: TelegramUser): Sender {
  const displayName = [user.first_name, user.last_name].filter(Boolean).join(' ');
  return {
    externalId: String(user.id),
    displayName: displayName === '' ? undefined : displayName,
    username: user.username,
    locale: user.language_code,
  };
}

function fromUnixSeconds(seconds: number): Date {
  return new Date(seconds * 1000);
}
