import type { Clock } from '../core/clock.ts';

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key, held in this process's memory: each key may spend `burst` events at
 * once and regains `perSecond` per second. With several processes behind a load balancer a
 * key's effective limit is the sum of theirs.
 */
export function createRateLimiter(options: { clock: Clock; perSecond: number; burst: number }) {
  const { clock, perSecond, burst } = options;
  const buckets = new Map<string, Bucket>();

  /** Buckets that have refilled completely carry no information; drop them when the map grows. */
  function prune(now: number): void {
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond >= burst) buckets.delete(key);
    }
  }

  return {
    /** Spends `cost` tokens of `key`'s bucket, or says how long until that many are there. */
    take(key: string, cost: number): RateDecision {
      const now = clock.now();
      if (buckets.size > 10_000) prune(now);
      const bucket = buckets.get(key) ?? { tokens: burst, updatedAt: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
      bucket.updatedAt = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return { ok: true };
      }
      return { ok: false, retryAfterMs: Math.ceil(((cost - bucket.tokens) / perSecond) * 1000) };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
