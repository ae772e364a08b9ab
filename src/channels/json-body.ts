import { AppError } from '../core/errors.ts';

/**
 * Parses a webhook body that must be one JSON object. NUL characters are dropped from every
 * string: they are invisible in a message, but PostgreSQL refuses them in text columns.
 * Throws AppError('MALFORMED_PAYLOAD') naming what the provider sends (`expected`) otherwise.
 */
export function readJsonObject(rawBody: Buffer, expected: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'), (_key, value: unknown) =>
      typeof value === 'string' ? value.replaceAll('\u0000', '') : value,
    );
  } catch {
    throw new AppError('MALFORMED_PAYLOAD', 'body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('MALFORMED_PAYLOAD', `body is not a JSON object; ${expected}`);
  }
  return body as Record<string, unknown>;
}
