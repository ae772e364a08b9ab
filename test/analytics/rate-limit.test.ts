import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/analytics/rate-limit.ts';

describe('rate limiter', () => {
  const clockAt = (start: number) => {
    const clock = { time: start, now: () => clock.time };
    return clock;
  };

  it('lets a key spend its burst at once, then refills at the rate, and says how long to wait', () => {
    const clock = clockAt(1_000_000);
    const limiter = createRateLimiter({ clock, perSecond: 10, burst: 500 });
    expect(limiter.take('key', 500)).toEqual({ ok: true });
    expect(limiter.take('key', 1)).toEqual({ ok: false, retryAfterMs: 100 });
    expect(limiter.take('key', 20)).toEqual({ ok: false, retryAfterMs: 2_000 });
    clock.time += 1_000;
    expect(limiter.take('key', 10)).toEqual({ ok: true });
    expect(limiter.take('key', 1)).toEqual({ ok: false, retryAfterMs: 100 });
    clock.time += 3_600_000;
    expect(limiter.take('key', 500)).toEqual({ ok: true });
  });

  it('keeps one bucket per key', () => {
    const limiter = createRateLimiter({ clock: clockAt(0), perSecond: 1, burst: 500 });
    expect(limiter.take('first', 500)).toEqual({ ok: true });
    expect(limiter.take('first', 1).ok).toBe(false);
    expect(limiter.take('second', 500)).toEqual({ ok: true });
  });

  it('does not charge a refused request', () => {
    const clock = clockAt(0);
    const limiter = createRateLimiter({ clock, perSecond: 100, burst: 500 });
    expect(limiter.take('key', 450)).toEqual({ ok: true });
    expect(limiter.take('key', 100).ok).toBe(false);
    expect(limiter.take('key', 50)).toEqual({ ok: true });
  });
});
