/** The key that asks for a person, when it starts an entry. */
export const STAFF_KEY = '0';
/** The key that ends an entry at once. */
const END_KEY = '#';
/** Without `#`, an entry ends when no key follows for this long. */
const PAUSE_MS = 2_000;
/** An entry longer than this ends there (a member number is far shorter). */
const MAX_KEYS = 32;

export interface Keypad {
  press(key: string): void;
  /** Drops a half-typed entry (the call ended). */
  stop(): void;
}

/**
 * The caller's key presses (DTMF, one frame per key), read as a phone menu reads them:
 * `0` as the first key asks for a person at once (when there is a `staff` handler, i.e. a
 * staff number); other keys form an entry (a menu choice, a member number) that `#` or a
 * two-second pause ends, and which the agent gets as text.
 */
export function createKeypad(handlers: {
  staff: (() => void) | undefined;
  entry(keys: string): void;
}): Keypad {
  let keys = '';
  let pause: NodeJS.Timeout | undefined;
  const finish = () => {
    clearTimeout(pause);
    pause = undefined;
    const entry = keys;
    keys = '';
    if (entry !== '') handlers.entry(entry);
  };
  return {
    press(key) {
      if (keys === '' && key === STAFF_KEY && handlers.staff) {
        handlers.staff();
        return;
      }
      if (key === END_KEY) {
        finish();
        return;
      }
      if (!/^[0-9*A-D]$/.test(key)) return;
      keys += key;
      clearTimeout(pause);
      if (keys.length >= MAX_KEYS) finish();
      else pause = setTimeout(finish, PAUSE_MS);
    },
    stop() {
      clearTimeout(pause);
      keys = '';
    },
  };
}

/** How an entry reaches the agent and the transcript: the keys, marked as typed, not said. */
export function keypadText(keys: string): string {
  return `(keypad) ${keys}`;
}
