import type { ChannelAdapter } from '../types.ts';
import { prepareSmsConfig, smsConnector } from './config.ts';
import { findTwilioMessage } from './find-sent.ts';
import { smsAutomaticReply } from './keywords.ts';
import { parseSmsWebhook } from './parse.ts';
import { splitSmsText, TWILIO_MAX_BODY_LENGTH } from './segments.ts';
import { sendSmsMessage } from './send.ts';
import { checkSmsConnection, setupSmsWebhook, teardownSmsWebhook } from './setup.ts';
import { verifySmsRequest } from './verify.ts';

/**
 * SMS and MMS through Twilio Programmable Messaging: one number (or Messaging Service) per
 * tenant. Incoming messages and delivery reports arrive as signed form posts; replies go out
 * asynchronously through the Messages API, so the webhook answers with empty TwiML.
 */
export const smsAdapter: ChannelAdapter = {
  id: 'sms',
  connector: smsConnector,
  maxTextLength: TWILIO_MAX_BODY_LENGTH,
  splitText: splitSmsText,
  // A single long code sends about one message per second; Twilio queues anything faster,
  // and spacing the parts of a long reply also keeps them in order on the way.
  policy: { accountSendsPerSecond: 1 },
  contentTypes: ['application/x-www-form-urlencoded'],
  // A webhook is a few kilobytes even for an MMS with ten media URLs.
  bodyLimitBytes: 64 * 1024,
  webhookSubpaths: ['/status'],
  // Twilio logs an error for a 200 without TwiML; an empty <Response/> tells it not to reply itself.
  acknowledgement: {
    contentType: 'text/xml',
    body: '<Response/>',
  },
  prepareConfig: prepareSmsConfig,
  verify: verifySmsRequest,
  parse: parseSmsWebhook,
  send: sendSmsMessage,
  findSent: findTwilioMessage,
  automaticReply: smsAutomaticReply,
  setup: setupSmsWebhook,
  teardown: teardownSmsWebhook,
  test: checkSmsConnection,
};
