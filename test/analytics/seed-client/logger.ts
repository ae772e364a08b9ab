// Stand-in for the seed client's `./logger`: what it logs, kept for the test to read.
export const logged: string[] = [];

export function createLogger(_debug: boolean) {
  const keep = (...parts: unknown[]) => logged.push(parts.map(String).join(' '));
  return { debug: keep, info: keep, warn: keep, error: keep };
}
