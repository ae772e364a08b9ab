/** Delay policy for retries: exponential growth with full jitter, capped. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/**
 * The wait before attempt `attempt + 1`. Full jitter (a random point below the exponential
 * ceiling) spreads retries of many failed sends so they do not hit a recovering provider
 * together. A provider's own `retry_after` is a floor, never shortened by jitter.
 */
export function retryDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}
