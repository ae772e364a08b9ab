// The one way to Microsoft Graph: v1.0 paths below MICROSOFT_GRAPH_URL, JSON in and out,
// through the tool's API session (bearer token, one refresh on 401, and retries of 429/503/504
// that wait what Graph's `Retry-After` asks).
import type { ApiSession } from '../oauth/api-session.ts';

export interface GraphClient {
  get<Result>(
    api: ApiSession,
    path: string,
    query?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<Result>;
  post<Result>(api: ApiSession, path: string, body: unknown): Promise<Result | undefined>;
}

export function createGraphClient(graphUrl: string): GraphClient {
  const urlOf = (path: string, query: Record<string, string> = {}) => {
    const url = new URL(`${graphUrl}/v1.0${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url.toString();
  };
  const what = (method: string, path: string) =>
    `graph ${method} ${path.split('?')[0]!.replace(/\/[A-Za-z0-9=_-]{20,}/g, '/…')}`;
  return {
    get: (api, path, query, headers) =>
      api.json(urlOf(path, query), { what: what('GET', path), ...(headers ? { headers } : {}) }),
    async post<Result>(api: ApiSession, path: string, body: unknown) {
      const response = await api.send(urlOf(path), {
        what: what('POST', path),
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      // sendMail and send answer 202 without a body.
      const text = await response.text();
      return text ? (JSON.parse(text) as Result) : undefined;
    },
  };
}
