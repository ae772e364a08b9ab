/** A composite map key; NUL never occurs in ids, slugs or channel names. */
export const key = (...parts: string[]) => parts.join('\u0000');

export function groupBy<T>(values: T[], keyOf: (value: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const group = groups.get(keyOf(value));
    if (group) group.push(value);
    else groups.set(keyOf(value), [value]);
  }
  return [...groups.values()];
}

export function uniqueBy<T>(values: T[], keyOf: (value: T) => string): T[] {
  return groupBy(values, keyOf).map((group) => group[0]!);
}
