import type { ConnectorValues } from '../../core/connector.ts';
import type { HandshakeResult } from '../types.ts';
import { secretsEqual } from './signature.ts';

/**
 * Meta sends an integer; anything else is not Meta, and echoing arbitrary text back would
 * turn the endpoint into a reflector.
 */
const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Answers Meta's subscription check (`GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`):
 * the challenge as the body when the mode is `subscribe` and the token equals the configured
 * `verify_token`, otherwise a refusal the route turns into 403. Without an app secret the
 * check is refused too: a subscription whose every delivery would be rejected only hides
 * the problem until messages go missing.
 */
export function answerMetaHandshake(
  query: Record<string, string | undefined>,
  config: ConnectorValues,
): HandshakeResult {
  const expected = config.verify_token;
  if (expected === undefined || expected === '')
    return { ok: false, reason: 'no verify_token is configured' };
  if (config.app_secret === undefined || config.app_secret === '') {
    return {
      ok: false,
      reason: 'no app_secret is configured, so webhooks would be refused; set it before subscribing',
    };
  }
  if (query['hub.mode'] !== 'subscribe') return { ok: false, reason: 'hub.mode must be "subscribe"' };
  const token = query['hub.verify_token'];
  if (typeof token !== 'string' || !secretsEqual(token, expected)) {
    return { ok: false, reason: 'hub.verify_token does not match the configured verify_token' };
  }
  const challenge = query['hub.challenge'];
  if (typeof challenge !== 'string' || !CHALLENGE_PATTERN.test(challenge)) {
    return { ok: false, reason: 'hub.challenge is missing or not the number Meta sends' };
  }
  return { ok: true, body: challenge };
}
