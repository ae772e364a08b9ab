import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKeypad } from '../../../src/server/voice/keypad.ts';

describe('voice: the keypad', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function keypad(withStaff: boolean) {
    const heard: string[] = [];
    const pad = createKeypad({
      staff: withStaff ? () => heard.push('staff') : undefined,
      entry: (keys) => heard.push(keys),
    });
    const press = (keys: string) => {
      for (const key of keys) pad.press(key);
    };
    return { heard, press, pad };
  }

  it('ends an entry after a two-second pause when no # comes', () => {
    const { heard, press } = keypad(true);
    press('12');
    vi.advanceTimersByTime(1_900);
    press('3');
    vi.advanceTimersByTime(1_900);
    expect(heard).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(heard).toEqual(['123']);
  });

  it('reads 0 as an ordinary key without a staff number, and inside an entry', () => {
    const withoutStaff = keypad(false);
    withoutStaff.press('0#');
    expect(withoutStaff.heard).toEqual(['0']);
    const withStaff = keypad(true);
    withStaff.press('50#0');
    expect(withStaff.heard).toEqual(['50', 'staff']);
  });

  it('ignores what is not a key, ends an entry at 32 keys, and drops a half entry when stopped', () => {
    const { heard, press, pad } = keypad(true);
    press('x1');
    press('2'.repeat(31));
    expect(heard).toEqual([`1${'2'.repeat(31)}`]);
    press('77');
    pad.stop();
    vi.advanceTimersByTime(5_000);
    expect(heard).toHaveLength(1);
  });
});
