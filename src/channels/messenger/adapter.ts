import { answerMetaHandshake } from '../meta/handshake.ts';
import { parseMessagingWebhook } from '../meta/messaging-parse.ts';
import { sendThroughSendApi, showSendApiTyping } from '../meta/messaging-send.ts';
import { verifyMetaSignature } from '../meta/signature.ts';
import { META_WEBHOOK_BODY_LIMIT } from '../meta/webhook.ts';
import type { ChannelAdapter } from '../types.ts';
import { messengerConnector, prepareMessengerConfig } from './config.ts';
import { MESSENGER_MAX_TEXT_LENGTH, messengerSendApi } from './send.ts';
import { checkMessengerConnection, setupMessenger, teardownMessenger } from './setup.ts';

/**
 * Facebook Messenger through the Messenger Platform: one page per tenant, its page access
 * token and the app secret that signs the webhooks in the connector configuration.
 */
export const messengerAdapter: ChannelAdapter = {
  id: 'messenger',
  connector: messengerConnector,
  maxTextLength: MESSENGER_MAX_TEXT_LENGTH,
  // Replies within 24 hours of the customer's last message; staff replies up to 7 days with
  // the HUMAN_AGENT tag. Meta throttles a page's inbox above about 40 messages a second.
  policy: { customerServiceWindowHours: 24, humanAgentWindowHours: 168, accountSendsPerSecond: 40 },
  contentTypes: ['application/json'],
  bodyLimitBytes: META_WEBHOOK_BODY_LIMIT,
  handshake: answerMetaHandshake,
  prepareConfig: prepareMessengerConfig,
  verify: (request, config) => verifyMetaSignature(request, config.app_secret),
  parse: (request, config) =>
    parseMessagingWebhook(
      request.rawBody,
      {
        object: 'page',
        channelName: 'Messenger',
        accountId: config.page_id,
      },
      request.onSkipped,
    ),
  send: (message, context) => sendThroughSendApi(message, context, messengerSendApi),
  acknowledgeInbound: (inbound, context) => showSendApiTyping(inbound.chatId, context, messengerSendApi),
  setup: setupMessenger,
  teardown: teardownMessenger,
  test: checkMessengerConnection,
};
