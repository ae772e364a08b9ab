/**
 * The OAuth 2.0 half of the Google and Microsoft fakes: an authorization endpoint that answers
 * with a redirect (a code, or an error), a token endpoint for `authorization_code` (with PKCE
 * S256 and client_secret_post checked) and `refresh_token`, and RFC 7009 revocation. Access
 * tokens it issued are what the API halves accept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, writeJson } from './http.ts';

export const FAKE_CLIENT_ID = 'fake-client-id.apps.test';
export const FAKE_CLIENT_SECRET = 'fake-client-secret-0123456789';

export interface OAuthPaths {
  authorize: RegExp;
  token: RegExp;
  revoke?: RegExp;
}

export interface FakeOAuth {
  /** Answers the OAuth endpoints; false when the request is for another path. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean>;
  /** Whether the request carries a live access token. */
  authorized(request: IncomingMessage): boolean;
  /** Token endpoint requests by grant type, and revocations. */
  counts: { authorization_code: number; refresh_token: number; revoked: number };
  /** Every access and refresh token issued, to look for in places they must not be. */
  issued: string[];
  /** The next authorization ends with this error instead of a code (`access_denied`…). */
  failNextAuthorization(error: string, subcode?: string): void;
  /** Access tokens stop working (the API answers 401) but refresh tokens still do. */
  expireAccessTokens(): void;
  /** Every grant is withdrawn: refresh answers `invalid_grant`, the API 401. */
  revokeGrants(): void;
  /** Accepts a refresh token the test stored itself (a grant made before the fake started). */
  seedRefreshToken(refreshToken: string, scope?: string): void;
  /** A live grant without the browser dance, for tests of the tools. */
  grant(): { accessToken: string; refreshToken: string };
  /** Each refresh waits this long, so concurrent callers overlap. */
  refreshDelayMs: number;
  /** Seconds the issued access tokens live. */
  expiresIn: number;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export function createFakeOAuth(paths: OAuthPaths, scopeSeparator = ' '): FakeOAuth {
  const codes = new Map<string, { redirectUri: string; challenge: string; scope: string }>();
  const access = new Set<string>();
  const refresh = new Map<string, string>();
  const counts = { authorization_code: 0, refresh_token: 0, revoked: 0 };
  const issued: string[] = [];
  let nextError: { error: string; subcode?: string } | undefined;

  function tokens(scope: string, oldRefresh?: string) {
    const accessToken = token('at-');
    access.add(accessToken);
    issued.push(accessToken);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: fake.expiresIn,
      scope,
    };
    if (!oldRefresh) {
      const refreshToken = token('rt-');
      refresh.set(refreshToken, scope);
      issued.push(refreshToken);
      body.refresh_token = refreshToken;
    }
    return body;
  }

  const fake: FakeOAuth = {
    counts,
    issued,
    refreshDelayMs: 0,
    expiresIn: 3600,
    authorized(request) {
      const header = request.headers.authorization ?? '';
      return header.startsWith('Bearer ') && access.has(header.slice(7));
    },
    failNextAuthorization(error, subcode) {
      nextError = { error, ...(subcode ? { subcode } : {}) };
    },
    expireAccessTokens() {
      access.clear();
    },
    revokeGrants() {
      access.clear();
      refresh.clear();
    },
    seedRefreshToken(refreshToken, scope = '') {
      refresh.set(refreshToken, scope);
    },
    grant() {
      const body = tokens('');
      return { accessToken: String(body.access_token), refreshToken: String(body.refresh_token) };
    },
    async handle(request, response, url) {
      if (request.method === 'GET' && paths.authorize.test(url.pathname)) {
        const parameters = url.searchParams;
        const back = new URL(parameters.get('redirect_uri') ?? '');
        back.searchParams.set('state', parameters.get('state') ?? '');
        if (nextError) {
          back.searchParams.set('error', nextError.error);
          if (nextError.subcode) back.searchParams.set('error_subcode', nextError.subcode);
          nextError = undefined;
        } else if (
          parameters.get('client_id') !== FAKE_CLIENT_ID ||
          parameters.get('code_challenge_method') !== 'S256' ||
          parameters.get('response_type') !== 'code'
        ) {
          back.searchParams.set('error', 'invalid_request');
        } else {
          const code = token('code-');
          codes.set(code, {
            redirectUri: parameters.get('redirect_uri') ?? '',
            challenge: parameters.get('code_challenge') ?? '',
            scope: (parameters.get('scope') ?? '').split(' ').join(scopeSeparator),
          });
          back.searchParams.set('code', code);
        }
        response.writeHead(302, { location: back.toString() });
        response.end();
        return true;
      }
      if (request.method === 'POST' && paths.token.test(url.pathname)) {
        const form = new URLSearchParams(await readBody(request));
        if (form.get('client_id') !== FAKE_CLIENT_ID || form.get('client_secret') !== FAKE_CLIENT_SECRET) {
          writeJson(response, { status: 401, body: { error: 'invalid_client' } });
          return true;
        }
        const grantType = form.get('grant_type');
        if (grantType === 'authorization_code') {
          counts.authorization_code += 1;
          const code = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? '');
          if (
            !code ||
            code.redirectUri !== form.get('redirect_uri') ||
            code.challenge !== s256(form.get('code_verifier') ?? '')
          ) {
            writeJson(response, { status: 400, body: { error: 'invalid_grant' } });
            return true;
          }
          writeJson(response, { status: 200, body: tokens(code.scope) });
          return true;
        }
        if (grantType === 'refresh_token') {
          counts.refresh_token += 1;
          if (fake.refreshDelayMs > 0)
            await new Promise((resolve) => setTimeout(resolve, fake.refreshDelayMs));
          const scope = refresh.get(form.get('refresh_token') ?? '');
          if (scope === undefined) {
            writeJson(response, {
              status: 400,
              body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
            });
            return true;
          }
          writeJson(response, { status: 200, body: tokens(scope, form.get('refresh_token') ?? '') });
          return true;
        }
        writeJson(response, { status: 400, body: { error: 'unsupported_grant_type' } });
        return true;
      }
      if (request.method === 'POST' && paths.revoke?.test(url.pathname)) {
        const form = new URLSearchParams(await readBody(request));
        const revoked = form.get('token') ?? '';
        counts.revoked += 1;
        // Revoking a refresh token ends the whole grant, its access tokens too (as Google does).
        if (refresh.delete(revoked)) access.clear();
        access.delete(revoked);
        response.writeHead(200);
        response.end();
        return true;
      }
      return false;
    },
  };
  return fake;
}

/** Serves a fake provider on loopback: its OAuth endpoints first, then its API. */
export async function serveOAuthProvider(
  oauth: FakeOAuth,
  api: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    oauth
      .handle(request, response, url)
      .then((handled) => (handled ? undefined : api(request, response, url)))
      .catch((error: unknown) => writeJson(response, { status: 500, body: { error: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
