import { AppError } from '../core/errors.ts';

/**
 * Parses a webhook body that must be one JSON object. NUL characters are dropped from every
 * string: they are invisible in a message, but PostgreSQL refuses them in text columns.
 * Throws AppError('MALFORMED_PAYLOAD') naming what the provider sends (`expected`) otherwise.
 */
export function readJsonObject(rawBody: Buffer, expected: string): Record<string, unknown> {
  let body: unknown;
  const text = rawBody.toString('utf8');
  try {
    // JSON cannot carry a raw NUL inside a string, only the escape `\u0000`: a body without
    // that text has none, and skips the reviver (a call per value, most of the parse's cost).
    body = text.includes('\\u0000') ? JSON.parse(text, dropNul) : JSON.parse(text);
  } catch {
    throw new AppError('MALFORMED_PAYLOAD', 'body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('MALFORMED_PAYLOAD', `body is not a JSON object; ${expected}`);
  }
  return body as Record<string, unknown>;
}

const dropNul = (_key: string, value: unknown) =>
  typeof value === 'string' ? value.replaceAll('\u0000', '') : value;
