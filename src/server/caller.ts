import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.ts';
import type { Caller, TenantCaller } from './auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined;
  }
}

/** The tenant a request acts for; the admin must name one with `X-Tenant`. */
export function tenantCaller(request: FastifyRequest): TenantCaller {
  const caller = request.caller;
  if (caller?.kind === 'tenant') return caller;
  throw new AppError(
    'BAD_REQUEST',
    'this route acts for a tenant: use a tenant token, or the admin token with X-Tenant',
  );
}

/** Only the platform admin, acting for no tenant in particular. */
export function requireAdmin(request: FastifyRequest): void {
  const caller = request.caller;
  if (caller?.kind === 'admin' || (caller?.kind === 'tenant' && caller.viaAdmin)) return;
  throw new AppError('FORBIDDEN', 'this route needs the platform admin token');
}

/** The id recorded in the audit log for whoever acted. */
export function actorOf(caller: TenantCaller): string {
  return caller.viaAdmin ? `admin:${caller.tokenId}` : `token:${caller.tokenId}`;
}
