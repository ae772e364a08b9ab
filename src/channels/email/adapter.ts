import type { ChannelAdapter } from '../types.ts';
import { prepareEmailConfig } from './config.ts';
import { emailConnector } from './connector.ts';
import { findPostmarkEmail } from './find-sent.ts';
import { parsePostmarkInbound } from './parse.ts';
import { EMAIL_MAX_TEXT_LENGTH, sendPostmarkEmail } from './send.ts';
import { checkPostmarkConnection, revealInboundWebhookUrl } from './setup.ts';
import { verifyPostmarkRequest } from './verify.ts';

/**
 * Email through Postmark: inbound mail arrives on Postmark's inbound webhook (guarded by
 * basic auth in the URL), replies go out through Postmark's API, threaded with the
 * conversation's message ids.
 */
export const emailAdapter: ChannelAdapter = {
  id: 'email',
  connector: emailConnector,
  maxTextLength: EMAIL_MAX_TEXT_LENGTH,
  contentTypes: ['application/json'],
  // Postmark accepts inbound mail up to 35 MB with its attachments already base64-encoded,
  // and the webhook's JSON carries that same base64; the rest is room for the JSON around it.
  bodyLimitBytes: 36 * 1024 * 1024,
  threading: true,
  prepareConfig: prepareEmailConfig,
  revealOnSave: revealInboundWebhookUrl,
  verify: verifyPostmarkRequest,
  verifiesHeadersOnly: true,
  parse: parsePostmarkInbound,
  send: sendPostmarkEmail,
  findSent: findPostmarkEmail,
  test: checkPostmarkConnection,
};
