/**
 * Notices a socket that is open but deaf: WhatsApp answers Baileys' keep-alive pings every
 * few seconds, so a connection that carries no frame at all for `deafAfterMs` is dead, even
 * when the operating system still reports it open. Traffic resets the count; `onDeaf` is
 * called once, and the watchdog stops.
 */
export interface Watchdog {
  /** Any frame or event arrived. */
  traffic(): void;
  stop(): void;
}

export function startWatchdog(options: { deafAfterMs: number; onDeaf(silentMs: number): void }): Watchdog {
  const { deafAfterMs, onDeaf } = options;
  let lastTrafficAt = Date.now();
  // Checking a few times per period keeps the detection within a quarter period of the limit.
  const timer = setInterval(
    () => {
      const silentMs = Date.now() - lastTrafficAt;
      if (silentMs < deafAfterMs) return;
      clearInterval(timer);
      onDeaf(silentMs);
    },
    Math.max(50, Math.floor(deafAfterMs / 4)),
  );
  timer.unref?.();
  return {
    traffic() {
      lastTrafficAt = Date.now();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
