import { createHash, timingSafeEqual } from 'node:crypto';
import type { ConnectorValues } from '../../core/connector.ts';
import type { VerifyResult, WebhookRequest } from '../types.ts';

const BASIC_AUTH = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

/**
 * Postmark signs nothing; it signs in with the HTTP Basic credentials embedded in the
 * webhook URL it was given. Accepts the request only when the `Authorization` header
 * carries exactly the configured `inbound_webhook_user` and `inbound_webhook_password`;
 * without configured credentials nothing is accepted (fail closed).
 */
export function verifyPostmarkRequest(request: WebhookRequest, config: ConnectorValues): VerifyResult {
  const user = config.inbound_webhook_user;
  const password = config.inbound_webhook_password;
  if (!user || !password) return { ok: false, reason: 'no inbound webhook credentials are configured' };
  const header = request.headers.authorization;
  if (header === undefined || header === '') return { ok: false, reason: 'missing authorization header' };
  if (Array.isArray(header)) return { ok: false, reason: 'authorization header sent more than once' };
  const encoded = BASIC_AUTH.exec(header)?.[1];
  if (encoded === undefined) return { ok: false, reason: 'authorization header is not HTTP Basic' };
  // The user name cannot contain a colon (config enforces it), so user:password compares as one string.
  return credentialsEqual(Buffer.from(encoded, 'base64'), `${user}:${password}`)
    ? { ok: true }
    : { ok: false, reason: 'wrong inbound webhook user or password' };
}

/**
 * Constant-time comparison of digests: equal lengths for `timingSafeEqual`, and neither the
 * comparison nor a length check tells how long the expected credentials are.
 */
function credentialsEqual(received: Buffer, expected: string): boolean {
  const receivedDigest = createHash('sha256').update(received).digest();
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(receivedDigest, expectedDigest);
}
