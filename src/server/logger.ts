/**
 * Where logs go: one JSON object per line for log storage, or pino-pretty's readable lines when
 * someone watches stdout in a terminal. The formatting runs in pino's worker thread, so the
 * request path never waits for it.
 */
export function prettyOnTerminal(isTerminal = process.stdout.isTTY === true) {
  return isTerminal
    ? {
        transport: {
          target: 'pino-pretty',
          options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
        },
      }
    : {};
}
