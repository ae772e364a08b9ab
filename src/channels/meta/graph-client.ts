import { AppError } from '../../core/errors.ts';
import { describeCauses, scrubSecrets } from '../provider-errors.ts';
import type { ProviderEnvironment } from '../types.ts';
import { graphError } from './graph-errors.ts';

/** A JSON object as Graph answers it; callers check the fields they read. */
export type GraphObject = Record<string, unknown>;

/**
 * A few calls against the Graph API for one access token. Every method resolves with the
 * answer's JSON object or throws an AppError from the catalogue (see `graphError`); the
 * token travels in the Authorization header, so it never appears in a URL or an error.
 */
export interface GraphClient {
  get(path: string, query?: Record<string, string>): Promise<GraphObject>;
  post(path: string, body: GraphObject): Promise<GraphObject>;
  delete(path: string, query?: Record<string, string>): Promise<GraphObject>;
}

/**
 * Longest one call may take. A send normally answers in well under a second; a stuck
 * connection must not hold a dispatcher slot for minutes.
 */
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * A Graph client on the environment's base URL and version (`META_GRAPH_API_URL`,
 * `META_GRAPH_API_VERSION`; a loopback fake in tests) using its `fetch`. `path` is relative
 * to the version, e.g. `100000000000001/messages`, and must be built from checked ids only.
 */
export function createGraphClient(
  environment: ProviderEnvironment,
  accessToken: string,
  options: { timeoutMs?: number } = {},
): GraphClient {
  const base = `${environment.metaGraphApiUrl.replace(/\/+$/, '')}/${environment.metaGraphApiVersion}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query: Record<string, string> | undefined,
    body: GraphObject | undefined,
  ): Promise<GraphObject> {
    const operation = `${method} /${path}`;
    const url = new URL(`${base}/${path}`);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    let response: Response;
    let text: string;
    try {
      response = await environment.fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw networkError(error, operation, timeoutMs, accessToken);
    }
    const parsed = parseJson(text);
    if (!response.ok) throw graphError(response.status, parsed, response.headers, operation, [accessToken]);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      // A proxy's error page, or an answer cut off on the way.
      throw new AppError(
        'PROVIDER_UNAVAILABLE',
        `Meta answered ${operation} with something that is not JSON`,
      );
    }
    return parsed as GraphObject;
  }

  return {
    get: (path, query) => call('GET', path, query, undefined),
    post: (path, body) => call('POST', path, undefined, body),
    delete: (path, query) => call('DELETE', path, query, undefined),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** No answer: refused, reset, or too slow. Retryable, since Meta may simply be out of reach. */
function networkError(error: unknown, operation: string, timeoutMs: number, token: string): AppError {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new AppError('NETWORK_ERROR', `Meta did not answer ${operation} within ${timeoutMs / 1000} s`);
  }
  const reason = scrubSecrets(describeCauses(error), [token]);
  return new AppError('NETWORK_ERROR', `could not reach Meta for ${operation} (${reason})`);
}
