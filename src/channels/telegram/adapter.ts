import type { ChannelAdapter } from '../types.ts';
import { prepareTelegramConfig, telegramConnector } from './config.ts';
import { parseTelegramUpdate } from './parse.ts';
import { sendTelegramMessage, showTelegramTyping, TELEGRAM_MAX_TEXT_LENGTH } from './send.ts';
import { checkTelegramConnection, setupTelegramWebhook, teardownTelegramWebhook } from './setup.ts';
import { verifyTelegramRequest } from './verify.ts';

/**
 * Telegram bots over the Bot API in webhook mode: one bot per tenant, its token and webhook
 * secret in the connector configuration.
 */
export const telegramAdapter: ChannelAdapter = {
  id: 'telegram',
  connector: telegramConnector,
  maxTextLength: TELEGRAM_MAX_TEXT_LENGTH,
  // Telegram posts every update as JSON; an update is a few kilobytes, so the default body limit is ample.
  contentTypes: ['application/json'],
  prepareConfig: prepareTelegramConfig,
  verify: verifyTelegramRequest,
  verifiesHeadersOnly: true,
  parse: parseTelegramUpdate,
  send: sendTelegramMessage,
  acknowledgeInbound: (inbound, context) => showTelegramTyping(inbound.chatId, context),
  setup: setupTelegramWebhook,
  teardown: teardownTelegramWebhook,
  test: checkTelegramConnection,
};
