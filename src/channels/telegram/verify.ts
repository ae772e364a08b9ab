import { createHash, timingSafeEqual } from 'node:crypto';
import type { ConnectorValues } from '../../core/connector.ts';
import type { VerifyResult, WebhookRequest } from '../types.ts';

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * Telegram does not sign bodies; it echoes the `secret_token` given to `setWebhook` in a
 * header. Accepts the request only when that header equals the configured
 * `webhook_secret`; without a configured secret nothing is accepted (fail closed).
 */
export function verifyTelegramRequest(request: WebhookRequest, config: ConnectorValues): VerifyResult {
  const expected = config.webhook_secret;
  if (expected === undefined || expected === '') {
    return { ok: false, reason: 'no webhook secret is configured for this bot' };
  }
  const received = request.headers[SECRET_HEADER];
  if (received === undefined || received === '') {
    return { ok: false, reason: `missing ${SECRET_HEADER} header` };
  }
  if (Array.isArray(received)) {
    return { ok: false, reason: `${SECRET_HEADER} header sent more than once` };
  }
  return secretsEqual(received, expected)
    ? { ok: true }
    : { ok: false, reason: `wrong ${SECRET_HEADER} header` };
}

/**
 * Constant-time comparison. Hashing first gives both sides the same length, so neither the
 * comparison nor a length check reveals how long the secret is.
 */
function secretsEqual(received: string, expected: string): boolean {
  const receivedDigest = createHash('sha256').update(received, 'utf8').digest();
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(receivedDigest, expectedDigest);
}
