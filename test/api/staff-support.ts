/** Staff accounts for tests: invite through the API, accept the invite, log in with a cookie. */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestGateway, TestTenant } from '../support/gateway.ts';

export const STAFF_PASSWORD = 'correct horse battery staple';

export interface StaffSession {
  userId: string;
  email: string;
  /** The `Cookie` header value carrying the session. */
  cookie: string;
  csrfToken: string;
  /** Sends a request as this staff member: the cookie always, the CSRF token unless `csrf: false`. */
  request(options: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse>;
}

/** Invites a user with the tenant's token and returns the invite token from its link. */
export async function invite(
  gateway: TestGateway,
  tenant: TestTenant,
  user: { email: string; name?: string; role: 'admin' | 'agent' },
): Promise<{ id: string; inviteToken: string; inviteUrl: string }> {
  const response = await gateway.request({
    method: 'POST',
    url: '/admin/users',
    token: tenant.apiToken,
    payload: { name: user.name ?? user.email.split('@')[0], ...user },
  });
  expect(response.statusCode, response.body).toBe(201);
  const { id, inviteUrl } = response.json<{ id: string; inviteUrl: string }>();
  const inviteToken = new URL(inviteUrl).searchParams.get('invite');
  expect(inviteToken).toBeTruthy();
  return { id, inviteToken: inviteToken!, inviteUrl };
}

/** Logs in and returns the session; fails unless the login succeeds. */
export async function login(
  gateway: TestGateway,
  tenant: TestTenant,
  email: string,
  password = STAFF_PASSWORD,
): Promise<StaffSession> {
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { tenant: tenant.slug, email, password },
  });
  expect(response.statusCode, response.body).toBe(200);
  const session = response.cookies.find((cookie) => cookie.name === 'switchboard_session');
  expect(session?.httpOnly).toBe(true);
  const cookie = `switchboard_session=${session!.value}`;
  const me = await gateway.app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } });
  expect(me.statusCode, me.body).toBe(200);
  const { user, csrfToken } = me.json<{ user: { id: string }; csrfToken: string }>();
  return {
    userId: user.id,
    email,
    cookie,
    csrfToken,
    request: ({ csrf = true, headers, ...rest }) =>
      gateway.app.inject({
        ...rest,
        headers: { cookie, ...(csrf ? { 'x-csrf-token': csrfToken } : {}), ...headers },
      }),
  };
}

/** Invites, sets the password through the invite and logs in. */
export async function staffMember(
  gateway: TestGateway,
  tenant: TestTenant,
  user: { email: string; role: 'admin' | 'agent' },
): Promise<StaffSession> {
  const { inviteToken } = await invite(gateway, tenant, user);
  const accepted = await gateway.app.inject({
    method: 'POST',
    url: '/auth/set-password',
    payload: { token: inviteToken, password: STAFF_PASSWORD },
  });
  expect(accepted.statusCode, accepted.body).toBe(200);
  return login(gateway, tenant, user.email);
}
