import { ToolError } from '../types.ts';

/**
 * A `fetch` for tsdav that ties every request to the tool call's signal and turns the HTTP
 * answers that end a call into a classified `ToolError` at the source, where the status is
 * still known (tsdav itself reports most failures as empty results or plain errors).
 * 404 passes through: discovery probes `/.well-known/caldav`, which many servers lack.
 */
export function guardedFetch(signal: AbortSignal): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, { ...init, signal });
    const status = response.status;
    if (status === 401) throw new ToolError('auth_expired', 'CalDAV: login refused', status);
    if (status === 403) throw new ToolError('permission_denied', 'CalDAV: not permitted', status);
    if (status === 429) throw new ToolError('rate_limited', 'CalDAV: the server limits requests', status);
    if (status >= 500) throw new ToolError('server_error', `CalDAV: server answered ${status}`, status);
    return response;
  };
}

/** Classifies what a CalDAV step threw: ours pass through, the rest are network or server failures. */
export function classifyCalendarError(error: unknown, signal: AbortSignal): ToolError {
  if (error instanceof ToolError) return error;
  if (signal.aborted) return new ToolError('network_error', 'CalDAV: timed out');
  // undici reports refused, reset and unresolvable hosts as a TypeError "fetch failed".
  if (error instanceof TypeError) return new ToolError('network_error', 'CalDAV: connection failed');
  return new ToolError('server_error', 'CalDAV: unexpected answer');
}
