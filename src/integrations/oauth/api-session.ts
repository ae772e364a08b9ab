// Calls to Google's and Microsoft's REST APIs for one tool run: the grant's bearer token,
// one refresh and retry when the API says 401 (the call is then auto-recovered), retries of
// 429/503/504 that wait what `Retry-After` asks (within the call's time), and every failure
// classified as a `ToolError`. Requests go through the egress fetch the tool was given.
import { parseRetryAfter } from '../../core/retry-after.ts';
import { type ToolContext, ToolError } from '../types.ts';
import type { Grants } from './grants.ts';
import type { OAuthProviderId } from './providers.ts';

/** Attempts of one request when the API asks us to come back later. */
const MAX_ATTEMPTS = 3;
/** The longest `Retry-After` honoured inside a tool call; longer waits fail as rate limited. */
const MAX_WAIT_MS = 5_000;
const RETRIED_STATUSES = new Set([429, 503, 504]);

/** A 401 that a refreshed token saved: reported as an auto-recovered `integration_error`. */
export interface Recovery {
  httpStatus: number;
}

/** Google answers 403 for quota errors too; its `reason` tells them from a missing permission. */
function isQuotaReason(body: unknown): boolean {
  const errors = (body as { error?: { errors?: { reason?: string }[] } })?.error?.errors ?? [];
  return errors.some((entry) =>
    /rateLimitExceeded|userRateLimitExceeded|quotaExceeded/.test(entry.reason ?? ''),
  );
}

/** The `ToolError` for an API's error status; messages name the status, never the body. */
async function classify(response: Response, what: string): Promise<ToolError> {
  const body = await response.json().catch(() => undefined);
  const status = response.status;
  if (status === 401) return new ToolError('auth_expired', `${what}: the access was refused (401)`, status);
  if (status === 403 && isQuotaReason(body))
    return new ToolError('rate_limited', `${what}: quota exceeded`, status);
  if (status === 403) return new ToolError('permission_denied', `${what}: not permitted (403)`, status);
  if (status === 404) return new ToolError('not_found', `${what}: not found (404)`, status);
  if (status === 429) return new ToolError('rate_limited', `${what}: rate limited (429)`, status);
  if (status === 409 || status === 412)
    return new ToolError('server_error', `${what}: conflict (${status})`, status);
  return new ToolError('server_error', `${what}: the API answered ${status}`, status);
}

export interface ApiSession {
  /** Sends a request with the bearer token; answers only successful responses. */
  send(url: string, init?: RequestInit & { what?: string; accept?: number[] }): Promise<Response>;
  /** `send` and parse the JSON answer. */
  json<Result>(url: string, init?: RequestInit & { what?: string }): Promise<Result>;
  /** Set once a 401 was saved by a refreshed token. */
  readonly recovery: Recovery | undefined;
}

/** A session for one tool run on the tenant's grant with `provider`. */
export function openApiSession(grants: Grants, provider: OAuthProviderId, context: ToolContext): ApiSession {
  const request = {
    tenantId: context.tenantId,
    provider,
    config: context.config,
    fetch: context.egress.fetch,
    conversationId: context.conversationId,
  };
  let token: string | undefined;
  let recovery: Recovery | undefined;
  let counted = false;

  async function send(
    url: string,
    init: RequestInit & { what?: string; accept?: number[] } = {},
  ): Promise<Response> {
    const { what = 'the API', accept = [], ...rest } = init;
    if (!token) {
      token = (await grants.accessToken(request)).token;
      if (!counted) {
        counted = true;
        await grants.countUse(context.tenantId, provider);
      }
    }
    let refreshedAfter401 = false;
    for (let attempt = 1; ; attempt += 1) {
      const headers = new Headers(rest.headers);
      headers.set('authorization', `Bearer ${token}`);
      const response = await context.egress.fetch(url, { ...rest, headers, signal: context.signal });
      if (response.ok || accept.includes(response.status)) {
        if (refreshedAfter401) recovery = { httpStatus: 401 };
        return response;
      }
      if (response.status === 401 && !refreshedAfter401) {
        await response.body?.cancel();
        refreshedAfter401 = true;
        token = (await grants.accessToken({ ...request, refused: token })).token;
        continue;
      }
      if (RETRIED_STATUSES.has(response.status) && attempt < MAX_ATTEMPTS) {
        const wait = parseRetryAfter(response.headers.get('retry-after'), Date.now()) ?? 500 * attempt;
        if (wait <= MAX_WAIT_MS) {
          await response.body?.cancel();
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
      }
      throw await classify(response, what);
    }
  }

  return {
    send,
    async json<Result>(url: string, init?: RequestInit & { what?: string }) {
      return (await (await send(url, init)).json()) as Result;
    },
    get recovery() {
      return recovery;
    },
  };
}
