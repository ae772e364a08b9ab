import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';

export interface LoginLimits {
  /** Failed attempts allowed per key within the window. */
  maxFailures: number;
  windowMs: number;
}

export const defaultLoginLimits: LoginLimits = { maxFailures: 5, windowMs: 15 * 60 * 1000 };

/**
 * Counts failed logins per client address and per account, so guessing is slow whether one
 * address tries many accounts or many addresses try one. Held in memory: with several
 * processes each counts its own, which multiplies the allowance by their number.
 */
export function createLoginLimiter(clock: Clock, limits: LoginLimits = defaultLoginLimits) {
  const failures = new LRUCache<string, { count: number; since: number }>({ max: 50_000 });

  function current(key: string) {
    const entry = failures.get(key);
    return entry && clock.now() - entry.since < limits.windowMs ? entry : undefined;
  }

  return {
    /** Throws RATE_LIMITED when any of the keys has used up its failures. */
    check(keys: string[]): void {
      for (const key of keys) {
        const entry = current(key);
        if (entry && entry.count >= limits.maxFailures) {
          throw new AppError('RATE_LIMITED', 'too many failed logins; wait a while and try again', {
            retryAfterMs: entry.since + limits.windowMs - clock.now(),
          });
        }
      }
    },
    fail(keys: string[]): void {
      for (const key of keys) {
        const entry = current(key);
        failures.set(key, entry ? { ...entry, count: entry.count + 1 } : { count: 1, since: clock.now() });
      }
    },
    /** A successful login clears the account's count (not the address's). */
    succeed(key: string): void {
      failures.delete(key);
    },
  };
}
