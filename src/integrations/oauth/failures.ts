// How an authorization that did not end in tokens is reported: the seed's `error_type` of
// `integration_oauth_failed`, and the provider's own code when it has the shape of one.

import type { EventProperties } from '../../analytics/catalog.ts';
import { errorCode } from '../../analytics/events/fields.ts';

export type OAuthErrorType = EventProperties<'integration_oauth_failed'>['error_type'];

/**
 * The seed's error type for an OAuth error response. Microsoft marks a cancel on its
 * consent screen as `access_denied` with `error_subcode=cancel`; Google sends a plain
 * `access_denied` for both, which is reported as that.
 */
export function oauthErrorType(code: string, subcode?: string | null): OAuthErrorType {
  if (code === 'access_denied') return subcode === 'cancel' ? 'user_cancelled' : 'access_denied';
  if (code === 'invalid_scope') return 'invalid_scope';
  if (code === 'server_error' || code === 'temporarily_unavailable') return 'server_error';
  return 'unknown';
}

/** The provider's code when it looks like one (`invalid_grant`, `AADSTS65004`); never free text. */
export function providerCode(code: string | null | undefined): string | null {
  return code && errorCode.safeParse(code).success ? code : null;
}
