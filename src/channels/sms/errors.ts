import { AppError } from '../../core/errors.ts';
import { describeCauses, scrubSecrets } from '../provider-errors.ts';

/** Twilio's error code for a send to a recipient who texted STOP: never retried. */
export const UNSUBSCRIBED_RECIPIENT = 21610;

/** Twilio's error code for "too many requests", sent with HTTP 429. */
const TOO_MANY_REQUESTS = 20429;

/** What common Twilio error codes mean, for the delivery errors staff read in a transcript. */
const descriptions: Record<number, string> = {
  20003: 'authentication failed',
  20429: 'too many requests',
  21211: "invalid 'To' phone number",
  21408: 'sending to this region is not enabled',
  21606: "the 'From' number cannot send SMS for this account",
  [UNSUBSCRIBED_RECIPIENT]: 'the recipient has opted out (texted STOP)',
  21614: "the 'To' number is not a mobile number",
  21617: 'the message body exceeds 1,600 characters',
  30001: 'queue overflow',
  30002: 'account suspended',
  30003: 'unreachable destination handset',
  30004: 'message blocked',
  30005: 'unknown destination handset',
  30006: 'landline or unreachable carrier',
  30007: 'message filtered by the carrier',
  30008: 'unknown error',
  30034: 'message from an unregistered number (US A2P 10DLC)',
};

/** "30003 (unreachable destination handset)", or the bare code when its meaning is not listed. */
export function describeTwilioError(code: number): string {
  const description = descriptions[code];
  return description === undefined ? String(code) : `${code} (${description})`;
}

/** What a Twilio API call that got an answer failed with: the HTTP status and Twilio's own code. */
interface ApiFailure {
  status: number;
  code: number | undefined;
  message: string;
}

/**
 * Maps whatever a Twilio API call threw to a catalogue error the dispatcher can act on:
 * HTTP 429 or code 20429 → PROVIDER_RATE_LIMITED, 5xx → PROVIDER_UNAVAILABLE (both with the
 * `Retry-After` Twilio sent), 21610 and other refusals → PROVIDER_REJECTED, no answer →
 * NETWORK_ERROR. The original error is not attached as `cause`, and the auth token is
 * scrubbed from every message, because the client's errors can carry request details.
 */
export function toTwilioError(
  error: unknown,
  action: string,
  options: { authToken: string | undefined; retryAfterMs?: number },
): AppError {
  if (error instanceof AppError) return error;
  const scrub = (text: string) => scrubSecrets(text, [options.authToken], '<auth-token>');
  const failure = apiFailureOf(error);
  if (failure !== undefined) {
    const detail = scrub(
      `HTTP ${failure.status}${failure.code === undefined ? '' : `, code ${failure.code}`}: ${failure.message}`,
    );
    if (failure.status === 429 || failure.code === TOO_MANY_REQUESTS) {
      return new AppError('PROVIDER_RATE_LIMITED', `Twilio rate-limited ${action} (${detail})`, {
        retryAfterMs: options.retryAfterMs,
      });
    }
    if (failure.status >= 500) {
      return new AppError('PROVIDER_UNAVAILABLE', `Twilio failed ${action} (${detail})`, {
        retryAfterMs: options.retryAfterMs,
      });
    }
    if (failure.code === UNSUBSCRIBED_RECIPIENT) {
      return new AppError(
        'PROVIDER_REJECTED',
        `Twilio refused ${action}: the recipient has opted out and must text START first (${detail})`,
      );
    }
    if (failure.status === 401) {
      return new AppError(
        'PROVIDER_REJECTED',
        `Twilio does not accept the Account SID and Auth Token for ${action} (${detail})`,
      );
    }
    return new AppError('PROVIDER_REJECTED', `Twilio rejected ${action} (${detail})`);
  }
  if (isNetworkError(error)) {
    return new AppError(
      'NETWORK_ERROR',
      `could not reach Twilio for ${action} (${scrub(describeCauses(error))})`,
    );
  }
  return new AppError('INTERNAL', `calling Twilio for ${action} failed: ${scrub(describeCauses(error))}`);
}

/**
 * The SDK throws `RestException` (the 2010 API's error bodies) or `TwilioServiceException`
 * (RFC 9457 bodies of newer APIs) for an answer outside 2xx; both carry a numeric HTTP
 * `status` and Twilio's numeric `code`.
 */
function apiFailureOf(error: unknown): ApiFailure | undefined {
  if (!(error instanceof Error) || isNetworkError(error)) return undefined;
  const { status, code } = error as Error & { status?: unknown; code?: unknown };
  if (typeof status !== 'number') return undefined;
  return { status, code: typeof code === 'number' ? code : undefined, message: error.message };
}

/** Axios, which the SDK sends with, marks its errors; with every status accepted, they mean no answer. */
function isNetworkError(error: unknown): boolean {
  return error instanceof Error && (error as Error & { isAxiosError?: unknown }).isAxiosError === true;
}
