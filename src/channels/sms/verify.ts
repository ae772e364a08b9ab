// The validator's own module: the SDK's entry point loads its whole REST client (about 180 ms).
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import type { ConnectorValues } from '../../core/connector.ts';
import type { VerifyResult, WebhookRequest } from '../types.ts';
import { readForm } from './form.ts';

const SIGNATURE_HEADER = 'x-twilio-signature';

/**
 * Checks `X-Twilio-Signature` with the twilio library's validator: an HMAC-SHA1, keyed with
 * the account's auth token, over the full URL Twilio called (`PUBLIC_URL` + path + query)
 * followed by every form parameter, sorted by name. The validator compares in constant
 * time. Without a configured auth token nothing is accepted (fail closed).
 */
export function verifySmsRequest(request: WebhookRequest, config: ConnectorValues): VerifyResult {
  const authToken = config.auth_token;
  if (authToken === undefined || authToken === '') {
    return { ok: false, reason: 'no auth token is configured for this account' };
  }
  const signature = request.headers[SIGNATURE_HEADER];
  if (signature === undefined || signature === '') {
    return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  }
  if (Array.isArray(signature)) {
    return { ok: false, reason: `${SIGNATURE_HEADER} header sent more than once` };
  }
  let valid: boolean;
  try {
    valid = validateRequest(authToken, signature, request.url, readForm(request.rawBody));
  } catch {
    // The validator parses the URL when the first comparison fails; a URL it cannot parse is no match.
    valid = false;
  }
  return valid
    ? { ok: true }
    : { ok: false, reason: `wrong ${SIGNATURE_HEADER} header for ${withoutQuery(request.url)}` };
}

/** The URL in a log line: the query may hold parameters a provider was given, so it is left out. */
function withoutQuery(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}
