import type { ConnectorValues } from '../../core/connector.ts';
import type { TelegramEntity, TelegramMessage } from './schema.ts';

/**
 * Whether a group message is meant for the bot: a command (`/help`, or `/help@<bot>` naming
 * this bot), a mention of the bot, or a reply to one of the bot's messages. Everything else
 * in a group is conversation between people and is not stored.
 *
 * The bot's identity comes from `bot_username` / `bot_id`, which setup stores; before setup
 * has run only commands without a bot name can be recognized.
 */
export function isAddressedToBot(message: TelegramMessage, config: ConnectorValues): boolean {
  const botUsername = config.bot_username ? config.bot_username.toLowerCase() : undefined;
  const botId = config.bot_id ? config.bot_id : undefined;
  const text = message.text ?? message.caption ?? '';
  const entities = message.entities ?? message.caption_entities ?? [];
  for (const entity of entities) {
    if (entity.type === 'bot_command' && commandTargetsBot(entityText(text, entity), botUsername))
      return true;
    if (
      entity.type === 'mention' &&
      botUsername !== undefined &&
      entityText(text, entity).toLowerCase() === `@${botUsername}`
    ) {
      return true;
    }
    // A mention of a user without a username links the user instead of naming them.
    if (entity.type === 'text_mention' && botId !== undefined && String(entity.user?.id) === botId)
      return true;
  }
  const repliedTo = message.reply_to_message?.from;
  if (repliedTo === undefined) return false;
  return (
    (botUsername !== undefined && repliedTo.username?.toLowerCase() === botUsername) ||
    (botId !== undefined && String(repliedTo.id) === botId)
  );
}

/** `/start` is for every bot in the group; `/start@other_bot` is not for us. */
function commandTargetsBot(command: string, botUsername: string | undefined): boolean {
  const at = command.indexOf('@');
  if (at === -1) return true;
  return botUsername !== undefined && command.slice(at + 1).toLowerCase() === botUsername;
}

/** Entity offsets count UTF-16 code units, which is what JavaScript strings index by. */
function entityText(text: string, entity: TelegramEntity): string {
  return text.slice(entity.offset, entity.offset + entity.length);
}
