import { classifyConnectionFailure, connectionFailureText } from '../../core/connection-failure.ts';
import { type Egress, EgressRefused } from '../../core/egress.ts';
import { ToolError } from '../types.ts';

/**
 * A `fetch` for tsdav: the egress guard's, with every request tied to the tool call's signal
 * and kept on the configured server's `host`. tsdav follows discovery redirects itself (it
 * asks for `redirect: 'manual'` and requests the new location), so this is where a redirect
 * to another host is refused.
 * It turns the HTTP answers that end a call into a classified `ToolError` at the source, where
 * the status is still known (tsdav itself reports most failures as empty results or plain errors).
 * 404 passes through: discovery probes `/.well-known/caldav`, which many servers lack.
 */
export function guardedFetch(egress: Egress, signal: AbortSignal, host: string): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.hostname !== host)
      throw new EgressRefused(`CalDAV: a request to another host than ${host} is refused`);
    const response = await egress.fetch(input, { ...init, signal });
    const status = response.status;
    if (status === 401) throw new ToolError('auth_expired', 'CalDAV: login refused', status);
    if (status === 403) throw new ToolError('permission_denied', 'CalDAV: not permitted', status);
    if (status === 429) throw new ToolError('rate_limited', 'CalDAV: the server limits requests', status);
    if (status >= 500) throw new ToolError('server_error', `CalDAV: server answered ${status}`, status);
    return response;
  };
}

/**
 * Classifies what a CalDAV step threw: ours pass through; a destination the egress policy
 * refuses is `permission_denied`; the rest are network or server failures, named by a
 * classified reason.
 */
export function classifyCalendarError(error: unknown, signal: AbortSignal): ToolError {
  if (error instanceof ToolError) return error;
  if (signal.aborted) return new ToolError('network_error', 'CalDAV: timed out');
  const connection = classifyConnectionFailure(error);
  if (connection === 'egress_refused') {
    return new ToolError('permission_denied', 'CalDAV: refused by the egress policy');
  }
  if (connection === 'tls_failed') return new ToolError('server_error', 'CalDAV: TLS failed');
  if (connection) return new ToolError('network_error', `CalDAV: ${connectionFailureText[connection]}`);
  // undici reports other socket failures as a TypeError "fetch failed".
  if (error instanceof TypeError) return new ToolError('network_error', 'CalDAV: connection failed');
  return new ToolError('server_error', 'CalDAV: unexpected answer');
}
