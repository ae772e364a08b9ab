import { randomBytes } from 'node:crypto';
import type { ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';

/**
 * Inbound credentials travel inside the URL Postmark calls (`https://user:password@host/…`).
 * Characters that need no percent-encoding there keep what staff paste and what Postmark
 * sends identical; a colon in the user name would also split basic auth in the wrong place.
 */
const WEBHOOK_USER_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;
const WEBHOOK_PASSWORD_PATTERN = /^[A-Za-z0-9._~-]{16,128}$/;

/** `support@example.com` or `Support <support@example.com>`, as Postmark's `From` accepts. */
const FROM_PATTERN = /^(?:[^<>\r\n]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+)$/;

/** Postmark stream ids are lowercase letters, digits and dashes (`outbound`, `support-replies`). */
const MESSAGE_STREAM_PATTERN = /^[a-z0-9-]{1,64}$/;

const DEFAULT_MESSAGE_STREAM = 'outbound';

/**
 * Checks the values staff entered and generates the inbound webhook user and password when
 * they were left empty. Throws AppError('VALIDATION_FAILED') naming the first field that
 * cannot work.
 */
export function prepareEmailConfig(values: ConnectorValues): ConnectorValues {
  const checks: Array<[string, RegExp, string]> = [
    [
      'from_email',
      FROM_PATTERN,
      'must be an address such as support@example.com or Support <support@example.com>',
    ],
    ['message_stream', MESSAGE_STREAM_PATTERN, 'must be a Postmark stream id such as outbound'],
    ['inbound_webhook_user', WEBHOOK_USER_PATTERN, 'must be 1–64 characters of A-Z, a-z, 0-9, ., _, ~ and -'],
    [
      'inbound_webhook_password',
      WEBHOOK_PASSWORD_PATTERN,
      'must be 16–128 characters of A-Z, a-z, 0-9, ., _, ~ and -',
    ],
  ];
  for (const [key, pattern, problem] of checks) {
    const value = values[key];
    if (value !== undefined && value !== '' && !pattern.test(value)) {
      throw new AppError('VALIDATION_FAILED', `${key} ${problem}`);
    }
  }
  const token = values.server_token;
  if (token !== undefined && /\s/.test(token)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'server_token must not contain spaces; copy it again from Postmark',
    );
  }
  return {
    ...values,
    inbound_webhook_user: values.inbound_webhook_user || `postmark-${randomBytes(6).toString('hex')}`,
    // 24 random bytes in base64url: 32 characters, all allowed by the password pattern.
    inbound_webhook_password: values.inbound_webhook_password || randomBytes(24).toString('base64url'),
  };
}

/** The Postmark server token. Throws AppError('VALIDATION_FAILED') when it is not set. */
export function readServerToken(config: ConnectorValues): string {
  const token = config.server_token;
  if (token === undefined || token === '') throw new AppError('VALIDATION_FAILED', 'server_token is not set');
  return token;
}

/** The sender of replies. Throws AppError('VALIDATION_FAILED') when it is not set. */
export function readFromAddress(config: ConnectorValues): string {
  const from = config.from_email;
  if (from === undefined || from === '') throw new AppError('VALIDATION_FAILED', 'from_email is not set');
  return from;
}

/** The Postmark message stream replies go out on. */
export function readMessageStream(config: ConnectorValues): string {
  return config.message_stream || DEFAULT_MESSAGE_STREAM;
}

/** The bare address of `from_email`, lowercased: what our own mail arrives from when it loops back. */
export function fromAddressOf(config: ConnectorValues): string | undefined {
  const from = config.from_email;
  if (!from) return undefined;
  const bracketed = /<([^<>]+)>/.exec(from);
  return (bracketed?.[1] ?? from).trim().toLowerCase();
}
