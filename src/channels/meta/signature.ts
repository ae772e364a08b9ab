import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyResult, WebhookRequest } from '../types.ts';

const SIGNATURE_HEADER = 'x-hub-signature-256';

/** `sha256=` and the 32-byte digest in hex, as Meta sends it (lowercase; uppercase is accepted too). */
const SIGNATURE_PATTERN = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Checks Meta's `X-Hub-Signature-256`: HMAC-SHA256 of the raw request bytes, keyed with the
 * app secret. Meta signs its own serialisation (`\uXXXX` escapes, `\/`), so only the bytes as
 * received can be checked, never re-serialised JSON. Without an app secret nothing is
 * accepted (fail closed). Never throws.
 */
export function verifyMetaSignature(request: WebhookRequest, appSecret: string | undefined): VerifyResult {
  if (appSecret === undefined || appSecret === '') {
    return {
      ok: false,
      reason: 'no app secret is configured, so no webhook signature can be checked; set app_secret',
    };
  }
  const header = request.headers[SIGNATURE_HEADER];
  if (header === undefined || header === '')
    return { ok: false, reason: 'missing X-Hub-Signature-256 header' };
  if (Array.isArray(header)) return { ok: false, reason: 'X-Hub-Signature-256 header sent more than once' };
  const match = SIGNATURE_PATTERN.exec(header.trim());
  if (match === null) {
    return { ok: false, reason: 'X-Hub-Signature-256 header is not "sha256=" followed by 64 hex digits' };
  }
  const received = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', appSecret).update(request.rawBody).digest();
  return timingSafeEqual(received, expected)
    ? { ok: true }
    : {
        ok: false,
        reason: 'X-Hub-Signature-256 does not match the body (a different app secret, or a changed body)',
      };
}

/**
 * Constant-time comparison of two strings of any length. Hashing first gives both sides the
 * same length, so neither the comparison nor a length check reveals how long the secret is.
 */
export function secretsEqual(received: string, expected: string): boolean {
  const receivedDigest = createHash('sha256').update(received, 'utf8').digest();
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(receivedDigest, expectedDigest);
}
