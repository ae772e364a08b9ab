/**
 * Paces one number's sends so they never look like a bot burst: at most `sendsPerMinute`,
 * each gap stretched by a random share (`jitter`), and no message sooner than a person could
 * type it (`typingMsPerCharacter`, up to `maxTypingMs`). In memory: the one process that
 * holds the number's lease is the only one sending for it.
 */
export interface SendPacing {
  sendsPerMinute: number;
  /** 0–1: each gap is the base gap times 1 + jitter · random. */
  jitter: number;
  typingMsPerCharacter: number;
  maxTypingMs: number;
  random?: () => number;
}

export const DEFAULT_PACING: SendPacing = {
  sendsPerMinute: 20,
  jitter: 0.5,
  typingMsPerCharacter: 30,
  maxTypingMs: 4_000,
};

export interface SendPacer {
  /** Resolves when a message of `characters` may go out; reserves that slot. */
  wait(characters: number): Promise<void>;
}

export function createSendPacer(pacing: SendPacing): SendPacer {
  const random = pacing.random ?? Math.random;
  const gapMs = 60_000 / pacing.sendsPerMinute;
  let nextSlotAt = 0;
  return {
    async wait(characters) {
      const now = Date.now();
      const typing = Math.min(pacing.maxTypingMs, characters * pacing.typingMsPerCharacter);
      const sendAt = Math.max(nextSlotAt, now + typing);
      nextSlotAt = sendAt + gapMs * (1 + pacing.jitter * random());
      const delay = sendAt - now;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    },
  };
}
