import { AppError } from '../../core/errors.ts';
import type { OutboundMessage, SendContext, SendResult } from '../types.ts';
import { sendingApi } from './client.ts';
import { readBotToken } from './config.ts';
import { toTelegramError } from './errors.ts';

/** Telegram's limit for one text message; the dispatcher splits longer replies. */
export const TELEGRAM_MAX_TEXT_LENGTH = 4096;

/**
 * The typing indicator shows for about five seconds anyway, so waiting longer than that
 * for Telegram to accept one is pointless.
 */
const TYPING_TIMEOUT_SECONDS = 5;

/**
 * Sends one text message. Never throws: every failure comes back as
 * `{ outcome: 'failed', error }` with a catalogue code whose retryable flag the dispatcher
 * follows, and with the bot token scrubbed from its message. When the message answers a
 * button press, the callback query is answered first so the button stops spinning.
 */
export async function sendTelegramMessage(
  message: OutboundMessage,
  context: SendContext,
): Promise<SendResult> {
  const problem = textProblem(message.text);
  if (problem !== undefined) return { outcome: 'failed', error: new AppError('VALIDATION_FAILED', problem) };
  try {
    const api = await sendingApi(readBotToken(context.config), context.environment);
    const callbackQueryId = callbackQueryIdOf(message);
    if (callbackQueryId !== undefined) {
      // Best effort: the query may have expired (Telegram allows a few seconds), and a
      // spinner that keeps turning is no reason to withhold the reply itself.
      await api.answerCallbackQuery(callbackQueryId).catch(() => undefined);
    }
    // No parse_mode: the agent writes plain text, and stray `*` or `<` would make Telegram
    // reject the whole message under Markdown or HTML parsing.
    const sent = await api.sendMessage(message.chatId, message.text);
    return { outcome: 'sent', providerMessageId: `${sent.chat.id}:${sent.message_id}` };
  } catch (error) {
    return { outcome: 'failed', error: toTelegramError(error, 'sendMessage', context.config.bot_token) };
  }
}

/** Shows "typing…" in the chat. Best effort: a failure here must never delay or fail a reply. */
export async function showTelegramTyping(chatId: string, context: SendContext): Promise<void> {
  try {
    const api = await sendingApi(readBotToken(context.config), context.environment, {
      timeoutSeconds: TYPING_TIMEOUT_SECONDS,
    });
    await api.sendChatAction(chatId, 'typing');
  } catch {
    // Deliberately ignored; see above.
  }
}

/** Telegram refuses empty texts and texts over 4096 characters; both are our bugs, not Telegram's. */
function textProblem(text: string): string | undefined {
  if (text.trim() === '') return 'message text is empty';
  if (text.length > TELEGRAM_MAX_TEXT_LENGTH) {
    return `message text is ${text.length} characters; Telegram accepts at most ${TELEGRAM_MAX_TEXT_LENGTH}`;
  }
  return undefined;
}

/** parse gives button presses the id `callback:<query id>` and kind `interactive`. */
function callbackQueryIdOf(message: OutboundMessage): string | undefined {
  const reply = message.inReplyTo;
  if (reply?.kind !== 'interactive' || !reply.providerMessageId.startsWith('callback:')) return undefined;
  return reply.providerMessageId.slice('callback:'.length);
}
