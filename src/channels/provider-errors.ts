// What every channel's error mapping needs from a provider's answer or failure: the wait it
// asked for, its message without our secrets, and the causes undici hides. One of each, so
// the channels cannot drift apart again.

export { parseRetryAfter } from '../core/retry-after.ts';

/**
 * Replaces every occurrence of each secret (a token, a password) in `text` with
 * `placeholder`, for text bound for a log, an error message or an API client. Empty and
 * missing secrets are skipped.
 */
export function scrubSecrets(
  text: string,
  secrets: ReadonlyArray<string | undefined>,
  placeholder = '<secret>',
): string {
  return secrets.reduce<string>(
    (result, secret) => (secret ? result.split(secret).join(placeholder) : result),
    text,
  );
}

/**
 * "fetch failed: connect ECONNREFUSED 127.0.0.1:9": the messages of an error and its causes,
 * where undici and HTTP clients hide the useful part; repeated messages once.
 */
export function describeCauses(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  // A few levels are enough for fetch → socket error; the bound guards against cycles.
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth += 1) {
    messages.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return [...new Set(messages.filter((message) => message !== ''))].join(': ') || 'unknown error';
}
