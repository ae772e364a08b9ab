import type { Clock } from '../core/clock.ts';

/**
 * Token buckets that space sends out to a provider's rate, per key (an account, a chat).
 * In memory, so per process: a scale-out deployment divides the provider's rate among its
 * workers or relies on the provider's 429, which the dispatcher answers with backoff.
 */
export interface Pacer {
  /** Reserves a send slot for every key and returns how long to wait until it comes (0 = now). */
  reserve(limits: Array<{ key: string; perSecond: number }>): number;
}

export function createPacer(clock: Clock): Pacer {
  // The time each key's next slot opens; a bucket of one keeps sends evenly spaced.
  const nextSlotAt = new Map<string, number>();
  return {
    reserve(limits) {
      const now = clock.now();
      let wait = 0;
      for (const { key } of limits) wait = Math.max(wait, (nextSlotAt.get(key) ?? now) - now);
      const sendAt = now + wait;
      for (const { key, perSecond } of limits) nextSlotAt.set(key, sendAt + 1000 / perSecond);
      if (nextSlotAt.size > 100_000) {
        for (const [key, at] of nextSlotAt) if (at < now) nextSlotAt.delete(key);
      }
      return wait;
    },
  };
}
