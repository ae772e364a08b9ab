const MASK = '••••';

/**
 * How a stored secret is shown: only its last four characters, and not even those when
 * the secret is so short that four characters would give most of it away.
 */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `${MASK}${value.slice(-4)}` : MASK;
}

/** A value sent back unchanged from a masked form field means "keep the stored secret". */
export function isMasked(value: string): boolean {
  return value.startsWith(MASK);
}
