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
  // Postmark accepts inbound mail up to 35 MB, and attachments arrive inline as base64 (4/3 larger).
  bodyLimitBytes: 50 * 1024 * 1024,
  threading: true,
  prepareConfig: prepareEmailConfig,
  revealOnSave: revealInboundWebhookUrl,
  verify: verifyPostmarkRequest,
  parse: parsePostmarkInbound,
  send: sendPostmarkEmail,
  findSent: findPostmarkEmail,
  test: checkPostmarkConnection,
};
