import { answerMetaHandshake } from '../meta/handshake.ts';
import { parseMessagingWebhook } from '../meta/messaging-parse.ts';
import { sendThroughSendApi, showSendApiTyping } from '../meta/messaging-send.ts';
import { verifyMetaSignature } from '../meta/signature.ts';
import { META_WEBHOOK_BODY_LIMIT } from '../meta/webhook.ts';
import type { ChannelAdapter } from '../types.ts';
import { instagramConnector, prepareInstagramConfig } from './config.ts';
import { instagramSendApi } from './send.ts';
import { checkInstagramConnection, setupInstagram } from './setup.ts';
import { INSTAGRAM_MAX_TEXT_BYTES, splitInstagramText } from './split.ts';

/**
 * Instagram direct messages through the Messenger Platform: one professional account per
 * tenant, the linked page's access token and the app secret that signs the webhooks in the
 * connector configuration.
 */
export const instagramAdapter: ChannelAdapter = {
  id: 'instagram',
  connector: instagramConnector,
  // The limit is 1000 bytes; splitText keeps every piece within it, whatever the characters.
  maxTextLength: INSTAGRAM_MAX_TEXT_BYTES,
  splitText: splitInstagramText,
  // Replies within 24 hours of the customer's last message; staff replies up to 7 days with
  // the HUMAN_AGENT tag. The Send API takes 300 text messages a second per account.
  policy: { customerServiceWindowHours: 24, humanAgentWindowHours: 168, accountSendsPerSecond: 300 },
  contentTypes: ['application/json'],
  bodyLimitBytes: META_WEBHOOK_BODY_LIMIT,
  handshake: answerMetaHandshake,
  prepareConfig: prepareInstagramConfig,
  verify: (request, config) => verifyMetaSignature(request, config.app_secret),
  parse: (request, config) =>
    parseMessagingWebhook(
      request.rawBody,
      {
        object: 'instagram',
        channelName: 'Instagram',
        accountId: config.instagram_account_id,
      },
      request.onSkipped,
    ),
  send: (message, context) => sendThroughSendApi(message, context, instagramSendApi),
  acknowledgeInbound: (inbound, context) => showSendApiTyping(inbound.chatId, context, instagramSendApi),
  setup: setupInstagram,
  test: checkInstagramConnection,
};
