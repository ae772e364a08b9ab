// The building blocks of event properties. There is deliberately no free-text field: every
// string is an enum value, an id Switchboard generated, or a short machine-readable code whose
// alphabet leaves no room for sentences, e-mail addresses or URLs with query strings.
import { z } from 'zod';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const CUID = 'c[a-z0-9]{20,31}';

/**
 * An id Switchboard generated (a UUID or cuid: a conversation, an agent). A provider's user id,
 * a phone number or an address never has this shape, so it cannot be stored by mistake.
 */
export const opaqueId = z
  .string()
  .regex(new RegExp(`^(?:${UUID}|${CUID})$`), 'must be an id Switchboard generated (UUID or cuid)');

/**
 * An error code as providers send them: `invalid_grant` (OAuth), `190` (Meta), `AADSTS65004`
 * (Microsoft). Mixed-case strings with dots or dashes — what tokens look like — do not fit.
 */
export const errorCode = z
  .string()
  .regex(
    /^(?:[a-z][a-z_]{0,39}|\d{1,10}|[A-Z]{2,10}\d{1,10})$/,
    'must be an error code such as invalid_grant, 190 or AADSTS65004',
  );

/** An operation name such as `events.list` or `token_refresh`: no digits, so no hex secrets. */
export const operation = z
  .string()
  .regex(/^[a-z][a-z_.]{0,39}$/, 'must be an operation name such as events.list or token_refresh');

/** The name a client gives itself, such as `momentum-backend`. */
export const appName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be a lower-case app name of up to 40 characters');

/** A lower-case identifier such as a channel (`telegram`) or a message kind (`text`). */
export const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a lower-case identifier of up to 32 characters');

/** Looks like a secret: long, or mixing upper case, lower case and digits as random text does. */
function tokenLike(part: string): boolean {
  return (
    part.length > 40 || (part.length >= 16 && /[A-Z]/.test(part) && /[a-z]/.test(part) && /\d/.test(part))
  );
}

/**
 * A client's name for a piece of content or a route (`GET:/api/status`, `post-42`). No spaces,
 * `@`, `?`, `=` or `&`: a sentence, an e-mail address or a query string does not fit, and a
 * path segment that looks like a token or JWT is refused.
 */
export const contentReference = z
  .string()
  .regex(/^[A-Za-z0-9_:/.-]{1,200}$/, 'must be up to 200 letters, digits and _ : / . -')
  .refine((value) => !value.split(/[:/.]/).some(tokenLike), 'must not contain a token-like part');

/** A host name only, as the seed asks for `oauth_domain` ("nur Domain"): no path, no query. */
export const domain = z
  .string()
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case domain name');

/** A count of things (items, scopes, uses). */
export const count = z.int().min(0);

/** A duration in milliseconds. */
export const milliseconds = z.int().min(0);

/** A non-negative number that may have a fraction (days). */
export const amount = z.number().min(0);
