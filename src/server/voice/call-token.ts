import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a per-call value vouches for: this tenant's call, until this time. */
export interface CallClaim {
  tenantId: string;
  callSid: string;
  /** Epoch milliseconds after which the value is refused. */
  expiresAt: number;
}

export type CallTokenResult = { ok: true; claim: CallClaim } | { ok: false; reason: string };

/** Separates these MACs from any other use of the same key. */
const PURPOSE = 'switchboard-voice-call-v1';

function mac(payload: string, key: string): Buffer {
  return createHmac('sha256', key).update(`${PURPOSE}.${payload}`).digest();
}

/**
 * The per-call value handed to Twilio as a `<Parameter>` and checked when the socket opens:
 * the claim in base64url JSON and its HMAC-SHA256, keyed with the tenant's Twilio auth
 * token (which only Twilio and we know). Single use is enforced by the caller, against the
 * stored call.
 */
export function signCallToken(claim: CallClaim, key: string): string {
  const payload = Buffer.from(JSON.stringify(claim)).toString('base64url');
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

/** Checks the MAC in constant time, then the expiry. Never throws. */
export function readCallToken(token: string, key: string, nowMs: number): CallTokenResult {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return { ok: false, reason: 'the call value is malformed' };
  const expected = mac(payload, key);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the call value has a wrong signature' };
  }
  let claim: CallClaim;
  try {
    claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CallClaim;
  } catch {
    return { ok: false, reason: 'the call value is malformed' };
  }
  if (typeof claim.expiresAt !== 'number' || claim.expiresAt < nowMs) {
    return { ok: false, reason: 'the call value has expired' };
  }
  return { ok: true, claim };
}
