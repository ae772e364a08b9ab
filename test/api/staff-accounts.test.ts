import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { registeredRoutes } from '../support/routes.ts';
import { expectError, useGatewayWorld } from './gateway-world.ts';
import { invite, STAFF_PASSWORD, staffMember } from './staff-support.ts';

describe('staff accounts and sessions', () => {
  const world = useGatewayWorld({ shared: true });
  let tenants = 0;
  const newTenant = () => world.connectedTenant(`accounts-${++tenants}`);

  it('invites with a one-time link, stores an argon2id hash, and logs in with a session cookie', async () => {
    const tenant = await newTenant();
    const { id, inviteToken, inviteUrl } = await invite(world.gateway, tenant, {
      email: 'Ada@Example.org',
      role: 'admin',
    });
    expect(inviteUrl).toBe(`https://gateway.test/?invite=${inviteToken}&tenant=${tenant.slug}`);
    const accept = (password: string) =>
      world.gateway.app.inject({
        method: 'POST',
        url: '/auth/set-password',
        payload: { token: inviteToken, password },
      });
    expect(expectError(await accept('short'), 400, 'VALIDATION_FAILED')).toContain('password');
    expect((await accept(STAFF_PASSWORD)).json()).toEqual({ email: 'ada@example.org', tenant: tenant.slug });
    expectError(await accept('another long password'), 404, 'NOT_FOUND');
    const user = await world.store.db.staffUser.findUniqueOrThrow({ where: { id } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(user.inviteTokenHash).toBeNull();

    const response = await world.gateway.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { tenant: tenant.slug, email: 'ada@example.org', password: STAFF_PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((entry) => entry.name === 'switchboard_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy();
    const behindHttps = await world.gateway.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { tenant: tenant.slug, email: 'ada@example.org', password: STAFF_PASSWORD },
    });
    expect(behindHttps.cookies[0]!.secure).toBe(true);
    const stored = await world.store.db.staffSession.findMany({ where: { userId: id } });
    expect(stored).toHaveLength(2);
    for (const session of stored) expect(session.tokenHash).not.toBe(cookie.value);
  });

  it('refuses a wrong password or workspace, then rate-limits repeated failures with 429', async () => {
    const tenant = await newTenant();
    const other = await newTenant();
    await staffMember(world.gateway, tenant, { email: 'grace@example.org', role: 'agent' });
    const attempt = (password: string, options: { workspace?: string; address: string }) =>
      world.gateway.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: options.address,
        payload: { tenant: options.workspace ?? tenant.slug, email: 'grace@example.org', password },
      });
    expectError(
      await attempt(STAFF_PASSWORD, { workspace: other.slug, address: '127.0.1.1' }),
      401,
      'UNAUTHORIZED',
    );
    // Five wrong passwords for one account, each from another address: the account is locked.
    for (let index = 2; index <= 6; index += 1)
      expectError(await attempt('wrong password', { address: `127.0.1.${index}` }), 401, 'UNAUTHORIZED');
    const limited = await attempt(STAFF_PASSWORD, { address: '127.0.1.7' });
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Five failures from one address across accounts: the address is locked, even for a good password.
    const another = await newTenant();
    await staffMember(world.gateway, another, { email: 'grace@example.org', role: 'agent' });
    for (let index = 0; index < 5; index += 1)
      expectError(
        await attempt('wrong password', { workspace: `nowhere-${index}`, address: '127.0.2.1' }),
        401,
        'UNAUTHORIZED',
      );
    expectError(
      await attempt(STAFF_PASSWORD, { workspace: another.slug, address: '127.0.2.1' }),
      429,
      'RATE_LIMITED',
    );
    expect(
      (await attempt(STAFF_PASSWORD, { workspace: another.slug, address: '127.0.2.2' })).statusCode,
    ).toBe(200);
  });

  it('needs the CSRF token for cookie writes, and logout revokes the session', async () => {
    const tenant = await newTenant();
    const admin = await staffMember(world.gateway, tenant, { email: 'lin@example.org', role: 'admin' });
    const payload = { email: 'new@example.org', name: 'New', role: 'agent' };
    expectError(
      await admin.request({ method: 'POST', url: '/admin/users', payload, csrf: false }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await admin.request({
        method: 'POST',
        url: '/admin/users',
        payload,
        csrf: false,
        headers: { 'x-csrf-token': 'x' },
      }),
      403,
      'FORBIDDEN',
    );
    expect(await world.store.db.staffUser.count({ where: { email: 'new@example.org' } })).toBe(0);
    const created = await admin.request({ method: 'POST', url: '/admin/users', payload });
    expect(created.statusCode, created.body).toBe(201);
    const listed = await admin.request({ method: 'GET', url: '/admin/users' });
    expect(
      listed.json().items.map((user: { email: string; status: string }) => [user.email, user.status]),
    ).toEqual([
      ['lin@example.org', 'active'],
      ['new@example.org', 'invited'],
    ]);

    expect((await admin.request({ method: 'POST', url: '/auth/logout' })).statusCode).toBe(204);
    expectError(await admin.request({ method: 'GET', url: '/admin/users' }), 401, 'UNAUTHORIZED');
    expectError(await admin.request({ method: 'GET', url: '/auth/me' }), 401, 'UNAUTHORIZED');
  });

  it('keeps the agent role out of admin routes but lets it use the inbox', async () => {
    const tenant = await newTenant();
    await world.say(tenant, 5550009001, 'hello');
    const agent = await staffMember(world.gateway, tenant, { email: 'kim@example.org', role: 'agent' });
    for (const [method, url, payload] of [
      ['POST', '/admin/users', { email: 'x@example.org', name: 'X', role: 'admin' }],
      ['PUT', '/admin/agent', { systemPrompt: 'mine now' }],
      ['GET', '/admin/connector-hub/telegram/config', undefined],
      ['POST', '/admin/analytics/write-keys', { label: 'k' }],
    ] as const) {
      expectError(await agent.request({ method, url, ...(payload ? { payload } : {}) }), 403, 'FORBIDDEN');
    }
    const inbox = await agent.request({ method: 'GET', url: '/admin/conversations' });
    expect(inbox.statusCode).toBe(200);
    expect(inbox.json().items).toHaveLength(1);
  });

  it('refuses the agent role on every admin route outside the inbox, whatever it sends', async () => {
    const tenant = await newTenant();
    const agent = await staffMember(world.gateway, tenant, { email: 'max@example.org', role: 'agent' });
    const inbox = (route: string) =>
      / \/admin\/conversations(\/|$)/.test(route) ||
      route === 'GET /admin/events' ||
      route === 'GET /admin/users';
    const routes = registeredRoutes(world.gateway.app).filter((route) => route.includes(' /admin/'));
    const outside = routes.filter((route) => !inbox(route));
    expect(outside.length).toBeGreaterThan(20);
    for (const route of outside) {
      const [method, path] = route.split(' ') as [InjectOptions['method'], string];
      const response = await agent.request({
        method,
        url: path.replace(/:\w+/g, 'x'),
        ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
      });
      expect(expectError(response, 403, 'FORBIDDEN'), route).toBe('this route needs the admin role');
    }
    // The inbox routes are open to the role (here: answered, not refused for it).
    for (const route of routes.filter(
      (candidate) => inbox(candidate) && candidate.startsWith('GET ') && candidate !== 'GET /admin/events',
    )) {
      const response = await agent.request({ method: 'GET', url: route.slice(4).replace(/:\w+/g, 'x') });
      expect(response.statusCode, route).not.toBe(403);
    }
  });

  it('deletes a user, which ends their sessions; the platform admin may invite for any tenant', async () => {
    const tenant = await newTenant();
    const agent = await staffMember(world.gateway, tenant, { email: 'ola@example.org', role: 'agent' });
    const deleted = await world.gateway.request({
      method: 'DELETE',
      url: `/admin/users/${agent.userId}`,
      token: tenant.apiToken,
    });
    expect(deleted.statusCode).toBe(204);
    expectError(await agent.request({ method: 'GET', url: '/admin/conversations' }), 401, 'UNAUTHORIZED');
    const byAdmin = await world.gateway.request({
      method: 'POST',
      url: '/admin/users',
      token: 'test-admin-token-0123456789abcdef',
      headers: { 'x-tenant': tenant.slug },
      payload: { email: 'boss@example.org', name: 'Boss', role: 'admin' },
    });
    expect(byAdmin.statusCode, byAdmin.body).toBe(201);
    // Neither the tenant nor this gateway has SMTP: the admin hands the link on.
    expect(byAdmin.json().inviteEmail).toEqual({ status: 'not_configured' });
    const audit = await world.store.db.auditLog.findMany({
      where: { tenantId: tenant.id, action: 'staff.invited' },
    });
    expect(audit.map((row) => row.actor)).toContainEqual(expect.stringMatching(/^admin:/));
    const again = await world.gateway.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { tenant: tenant.slug, email: 'ola@example.org', password: STAFF_PASSWORD },
    });
    expectError(again, 401, 'UNAUTHORIZED');
  });
});
