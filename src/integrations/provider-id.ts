import { createHash } from 'node:crypto';
import type { ToolContext } from './types.ts';

/**
 * The id a side-effect tool gives its effect at the provider (a calendar UID, a Message-ID),
 * derived from the call's idempotency key and the tenant: a re-run of the same call after a
 * crash computes the same id and finds the first run's effect instead of acting twice. Hex,
 * so it is safe in a file name, a URL path and a Message-ID.
 */
export function providerId(context: Pick<ToolContext, 'tenantId' | 'idempotencyKey'>): string {
  return createHash('sha256')
    .update(`${context.tenantId}\n${context.idempotencyKey}`)
    .digest('hex')
    .slice(0, 32);
}
