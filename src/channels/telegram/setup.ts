import type { ConnectionCheck } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import type { SendContext, SetupContext, SetupResult } from '../types.ts';
import { createTelegramApi, loadGrammy } from './client.ts';
import { readBotToken } from './config.ts';
import { toTelegramError } from './errors.ts';

/** The updates parse handles; Telegram then does not deliver the others at all. */
const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;

/**
 * Registers this tenant's webhook with Telegram (with the secret that `verify` checks) and
 * learns the bot's identity, which parse needs to tell which group messages address the bot.
 * Throws AppError: VALIDATION_FAILED for missing settings, PROVIDER_REJECTED when Telegram
 * refuses (a wrong token is 401), PROVIDER_UNAVAILABLE or NETWORK_ERROR when it cannot be
 * asked. Messages name the step that failed and never contain the token.
 */
export async function setupTelegramWebhook(context: SetupContext): Promise<SetupResult> {
  const token = readBotToken(context.config);
  const secret = context.config.webhook_secret;
  if (secret === undefined || secret === '') {
    // Without a secret every webhook call would be refused, so registering would only lose updates.
    throw new AppError(
      'VALIDATION_FAILED',
      'webhook_secret is not set; save the configuration again to generate one',
    );
  }
  const api = await createTelegramApi(token, context.environment);
  try {
    await api.setWebhook(context.webhookUrl, {
      secret_token: secret,
      allowed_updates: [...ALLOWED_UPDATES],
    });
  } catch (error) {
    throw stepFailure('registering the webhook', 'setWebhook', error, token);
  }
  try {
    const bot = await api.getMe();
    return { values: { bot_username: bot.username, bot_id: String(bot.id) } };
  } catch (error) {
    throw stepFailure('reading the bot profile', 'getMe', error, token);
  }
}

/** Unregisters the webhook, so Telegram stops posting updates for a configuration that is gone. */
export async function teardownTelegramWebhook(context: SendContext): Promise<void> {
  const token = readBotToken(context.config);
  try {
    await (await createTelegramApi(token, context.environment)).deleteWebhook();
  } catch (error) {
    throw stepFailure('removing the webhook', 'deleteWebhook', error, token);
  }
}

/** Asks Telegram who the bot is; `detail` is its `@username`, or what went wrong. */
export async function checkTelegramConnection(context: SendContext): Promise<ConnectionCheck> {
  const token = context.config.bot_token;
  try {
    const api = await createTelegramApi(readBotToken(context.config), context.environment);
    const bot = await api.getMe();
    return { ok: true, detail: `@${bot.username}` };
  } catch (error) {
    return { ok: false, detail: stepFailure('checking the bot', 'getMe', error, token).message };
  }
}

/**
 * The catalogue error for a failed call, reworded for a person setting up the bot: which step
 * failed and, for the common case of a wrong token (Telegram answers 401), what to do.
 */
function stepFailure(step: string, method: string, error: unknown, token: string | undefined): AppError {
  const mapped = toTelegramError(error, method, token);
  if (mapped.code === 'VALIDATION_FAILED') return mapped;
  const GrammyError = loadGrammy.loaded()?.GrammyError;
  const advice =
    GrammyError && error instanceof GrammyError && error.error_code === 401
      ? ': Telegram does not accept the bot token; copy it again from BotFather'
      : '';
  return new AppError(mapped.code, `${step} failed${advice} (${mapped.message})`, {
    retryAfterMs: mapped.retryAfterMs,
  });
}
