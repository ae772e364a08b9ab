// One `Retry-After` reader for every provider client (channels and integrations alike).

/**
 * Reads a `Retry-After` header (RFC 9110: whole seconds, or an HTTP date) as milliseconds
 * from `nowMs`; undefined when absent or unreadable. Fractions and negative numbers are not
 * seconds in the standard and are ignored; a date in the past means no wait.
 */
export function parseRetryAfter(header: unknown, nowMs: number): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (/^[\d.+-]+$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
