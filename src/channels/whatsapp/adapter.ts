import { answerMetaHandshake } from '../meta/handshake.ts';
import { verifyMetaSignature } from '../meta/signature.ts';
import { META_WEBHOOK_BODY_LIMIT } from '../meta/webhook.ts';
import type { ChannelAdapter } from '../types.ts';
import { prepareWhatsAppConfig, whatsappConnector } from './config.ts';
import { parseWhatsAppWebhook } from './parse.ts';
import { markWhatsAppRead, sendWhatsAppMessage, WHATSAPP_MAX_TEXT_LENGTH } from './send.ts';
import { checkWhatsAppConnection, setupWhatsApp } from './setup.ts';

/**
 * WhatsApp Business through Meta's Cloud API: one business phone number per tenant, its
 * access token and the app secret that signs the webhooks in the connector configuration.
 */
export const whatsappAdapter: ChannelAdapter = {
  id: 'whatsapp',
  connector: whatsappConnector,
  maxTextLength: WHATSAPP_MAX_TEXT_LENGTH,
  // Free-form messages only within 24 hours of the customer's last one; 80 messages per
  // second is a number's default Cloud API throughput (Meta raises it, never lowers it).
  policy: { customerServiceWindowHours: 24, accountSendsPerSecond: 80 },
  contentTypes: ['application/json'],
  bodyLimitBytes: META_WEBHOOK_BODY_LIMIT,
  handshake: answerMetaHandshake,
  prepareConfig: prepareWhatsAppConfig,
  verify: (request, config) => verifyMetaSignature(request, config.app_secret),
  parse: parseWhatsAppWebhook,
  send: sendWhatsAppMessage,
  acknowledgeInbound: (inbound, context) => markWhatsAppRead(inbound.providerMessageId, context),
  setup: setupWhatsApp,
  test: checkWhatsAppConnection,
};
