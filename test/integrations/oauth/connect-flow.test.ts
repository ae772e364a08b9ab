import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestTenant } from '../../support/gateway.ts';
import { ADMIN_TOKEN, eventually, PUBLIC_URL, queueSettled, textUpdate } from '../../support/gateway.ts';
import {
  clickConnect,
  configureGoogle,
  connectGoogle,
  consent,
  eventsNamed,
  GOOGLE_ACCOUNTS,
  type OAuthWorld,
  returnTo,
  startOAuthWorld,
} from './support.ts';

let world: OAuthWorld;
let tenant: TestTenant;

beforeEach(async () => {
  world = await startOAuthWorld();
  tenant = await world.gateway.createTenant('bakery');
  await configureGoogle(world, tenant);
});
afterEach(() => world.stop());

const grantOf = (tenantId: string) =>
  world.store.db.oAuthGrant.findUnique({ where: { tenantId_provider: { tenantId, provider: 'google' } } });

/** Sends a customer's Telegram message and waits for the agent's reply to it. */
async function customerSays(secret: string, text: string, id: number): Promise<string> {
  const before = world.telegram.sent().length;
  const response = await world.gateway.postUpdate(
    tenant.slug,
    textUpdate({ updateId: id, messageId: id, chatId: 4242, text }),
    secret,
  );
  expect(response.statusCode).toBe(200);
  const reply = await eventually(() => world.telegram.sent()[before], 20_000, 'the reply');
  await queueSettled(world.store.db);
  return reply!.text;
}

/** A customer conversation whose agent may use the Google Calendar tools (offline agent). */
async function telegramCustomer(): Promise<string> {
  return world.gateway.configureTelegram(tenant);
}

describe('connecting Google', () => {
  it('redirects with PKCE and a state, stores the tokens sealed and records started and completed', async () => {
    const started = await clickConnect(world, tenant, '?services=gmail,google_calendar');
    const location = started.location;
    expect(location.origin + location.pathname).toBe(`${GOOGLE_ACCOUNTS}/o/oauth2/v2/auth`);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/callback/google`);
    expect(location.searchParams.get('access_type')).toBe('offline');
    expect(location.searchParams.get('scope')?.split(' ').sort()).toEqual([
      'https://www.googleapis.com/auth/calendar.events',
      'https://www.googleapis.com/auth/calendar.freebusy',
      'https://www.googleapis.com/auth/gmail.readonly',
      'https://www.googleapis.com/auth/gmail.send',
    ]);
    const back = await returnTo(world, await consent(world, started), started.cookie);
    expect(back.statusCode).toBe(302);
    expect(back.headers.location).toBe(`${PUBLIC_URL}/?oauth=connected#/integrations/google`);

    const grant = await grantOf(tenant.id);
    expect(grant?.status).toBe('connected');
    expect(grant?.scopesGranted).toBe(4);
    for (const issued of world.google.oauth.issued) {
      expect(grant?.accessToken).not.toContain(issued);
      expect(grant?.refreshToken).not.toContain(issued);
    }
    const events = await eventsNamed(
      world,
      tenant.id,
      'integration_oauth_started',
      'integration_oauth_completed',
    );
    expect(events.map((event) => [event.name, event.properties.service])).toEqual([
      ['integration_oauth_started', 'gmail'],
      ['integration_oauth_started', 'google_calendar'],
      ['integration_oauth_completed', 'gmail'],
      ['integration_oauth_completed', 'google_calendar'],
    ]);
    expect(events[0]!.properties).toEqual({
      provider: 'google',
      service: 'gmail',
      oauth_domain: 'accounts.fake-google.test',
    });
    expect(Object.keys(events[2]!.properties).sort()).toEqual([
      'duration_ms',
      'is_first_connection',
      'provider',
      'scopes_granted_count',
      'service',
    ]);
    expect(events[2]!.properties).toMatchObject({ scopes_granted_count: 4, is_first_connection: true });
    expect(events[2]!.properties.duration_ms).toBeGreaterThanOrEqual(0);

    const catalog = await world.gateway.request({
      method: 'GET',
      url: '/admin/connector-hub/catalog',
      token: tenant.apiToken,
    });
    expect(
      catalog.json<{ items: { id: string; status: string }[] }>().items.find((item) => item.id === 'google')
        ?.status,
    ).toBe('connected');
    const status = await world.gateway.request({
      method: 'GET',
      url: '/admin/integrations/google/status',
      token: tenant.apiToken,
    });
    expect(status.json()).toMatchObject({
      provider: 'google',
      status: 'connected',
      services: ['gmail', 'google_calendar'],
    });
  });

  it('refuses a forged, replayed, other-browser or other-tenant state, and reports an expired one as a timeout', async () => {
    const forged = await returnTo(
      world,
      new URL(`${PUBLIC_URL}/oauth/callback/google?code=x&state=forged`),
      '',
    );
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: 'FORBIDDEN' });

    const started = await clickConnect(world, tenant);
    const callback = await consent(world, started);
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -4)}AAAA`);
    expect((await returnTo(world, tampered, started.cookie)).statusCode).toBe(403);
    expect((await returnTo(world, callback, 'switchboard_oauth=someone-else')).statusCode).toBe(403);
    expect((await returnTo(world, callback, started.cookie)).statusCode).toBe(302);
    const replayed = await returnTo(world, callback, started.cookie);
    expect(replayed.statusCode).toBe(403);
    expect(replayed.json<{ message: string }>().message).toContain('already used');
    expect(world.google.oauth.counts.authorization_code).toBe(1);

    // Another tenant's staff start their own flow; its state is no good in this browser.
    const other = await world.gateway.createTenant('other');
    await configureGoogle(world, other);
    const theirs = await clickConnect(world, other);
    const theirCallback = await consent(world, theirs);
    expect((await returnTo(world, theirCallback, started.cookie)).statusCode).toBe(403);
    expect(await grantOf(other.id)).toBeNull();

    const late = await clickConnect(world, tenant, '', started.cookie);
    const lateCallback = await consent(world, late);
    await world.store.db.oAuthState.updateMany({
      where: { usedAt: null, tenantId: tenant.id },
      data: { expiresAt: 0n },
    });
    const expired = await returnTo(world, lateCallback, late.cookie);
    expect(expired.headers.location).toBe(`${PUBLIC_URL}/?oauth=failed&error=timeout#/integrations/google`);
    const failed = await eventsNamed(world, tenant.id, 'integration_oauth_failed');
    expect(failed.map((event) => event.properties)).toEqual([
      expect.objectContaining({
        provider: 'google',
        service: 'gmail',
        error_type: 'timeout',
        oauth_error_code: null,
      }),
      expect.objectContaining({
        provider: 'google',
        service: 'google_calendar',
        error_type: 'timeout',
        oauth_error_code: null,
      }),
    ]);
    expect(world.google.oauth.counts.authorization_code).toBe(1);
  });

  it('reports a denied consent with the provider code, and unknown services with a 400', async () => {
    const bad = await world.gateway.request({
      method: 'GET',
      url: '/admin/integrations/google/connect?services=gmail,google_drive',
      token: tenant.apiToken,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toContain('gmail, google_calendar');
    const unknown = await world.gateway.request({
      method: 'GET',
      url: '/admin/integrations/yahoo/connect',
      token: tenant.apiToken,
    });
    expect(unknown.statusCode).toBe(400);

    world.google.oauth.failNextAuthorization('access_denied');
    const back = await connectGoogle(world, tenant, '?services=gmail');
    expect(back.searchParams.get('oauth')).toBe('failed');
    expect(back.searchParams.get('error')).toBe('access_denied');
    const [failed] = await eventsNamed(world, tenant.id, 'integration_oauth_failed');
    expect(Object.keys(failed!.properties).sort()).toEqual([
      'duration_ms',
      'error_type',
      'oauth_error_code',
      'provider',
      'service',
    ]);
    expect(failed!.properties).toMatchObject({
      service: 'gmail',
      error_type: 'access_denied',
      oauth_error_code: 'access_denied',
    });
    expect(await grantOf(tenant.id)).toBeNull();
  });
});

describe('the connected Google tools through the agent', () => {
  it('answers a customer from the calendar, recovers from a 401 by a refresh, and stops cleanly on a revoked grant', async () => {
    await connectGoogle(world, tenant);
    const secret = await telegramCustomer();
    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = tomorrow.toISOString().slice(0, 10);
    world.google.events.push({
      id: 'privateevent1',
      summary: 'Dentist of the owner',
      start: `${day}T09:00:00Z`,
      end: `${day}T15:00:00Z`,
    });

    const first = await customerSays(secret, 'Do you have free slots tomorrow?', 1);
    expect(first).not.toContain('Dentist');
    expect(world.google.calls).toContain('POST /calendar/v3/freeBusy');
    const used = await eventsNamed(
      world,
      tenant.id,
      'integration_used_in_chat',
      'integration_data_fetched',
      'integration_error',
    );
    // One transaction writes both, so their order in time is not defined.
    used.sort((left, right) => right.name.localeCompare(left.name));
    expect(used.map((event) => event.name)).toEqual(['integration_used_in_chat', 'integration_data_fetched']);
    expect(used[0]!.properties).toMatchObject({
      provider: 'google',
      service: 'google_calendar',
      action_type: 'read_calendar',
      success: true,
    });
    expect(used[1]!.properties).toMatchObject({
      service: 'google_calendar',
      data_type: 'calendar_events',
      is_refresh: false,
    });

    // The access token dies early: the API says 401, one refresh saves the call.
    world.google.oauth.expireAccessTokens();
    await customerSays(secret, 'Any free slots tomorrow?', 2);
    expect(world.google.oauth.counts.refresh_token).toBe(1);
    // Asserted by content, not position: on a loaded machine a turn may be run again.
    const recovered = (await eventsNamed(world, tenant.id, 'integration_error')).map(
      (event) => event.properties,
    );
    expect(recovered).toEqual([
      {
        provider: 'google',
        service: 'google_calendar',
        error_type: 'auth_expired',
        http_status: 401,
        operation: 'read_calendar',
        auto_recovered: true,
      },
    ]);
    const fetched = await eventsNamed(world, tenant.id, 'integration_data_fetched');
    expect(fetched.at(-1)!.properties).toMatchObject({ is_refresh: true });

    // The owner withdraws access at Google: the refresh is refused with invalid_grant.
    world.google.oauth.revokeGrants();
    await customerSays(secret, 'free slots tomorrow?', 3);
    await customerSays(secret, 'and free slots the day after?', 4);
    const errors = (await eventsNamed(world, tenant.id, 'integration_error'))
      .map((event) => event.properties)
      .filter((properties) => !properties.auto_recovered);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toEqual({
      provider: 'google',
      service: 'google_calendar',
      error_type: 'auth_expired',
      http_status: 400,
      operation: 'read_calendar',
      auto_recovered: false,
    });
    // Once the grant is marked lost, later calls fail without asking Google again.
    for (const later of errors.slice(1))
      expect(later).toMatchObject({ error_type: 'auth_expired', http_status: null });
    expect((await grantOf(tenant.id))?.status).toBe('error');
    const config = await world.store.db.connectorConfig.findFirst({
      where: { tenantId: tenant.id, connectorId: 'google' },
    });
    expect(config?.status).toBe('error');
    const notices = await world.store.db.job.findMany({
      where: { tenantId: tenant.id, kind: 'notifications.staff' },
    });
    const reconnect = notices.filter((job) => job.payload.includes('integration_reconnect_needed'));
    expect(reconnect).toHaveLength(1);
    expect(world.google.oauth.counts.refresh_token).toBe(2);

    // Reconnecting after the loss is a reconnect, with the reason the grant was lost.
    const back = await connectGoogle(world, tenant);
    expect(back.searchParams.get('oauth')).toBe('connected');
    const [reconnected] = await eventsNamed(world, tenant.id, 'integration_reconnected');
    expect(reconnected!.properties).toMatchObject({
      provider: 'google',
      previous_disconnect_reason: 'revoked',
    });
  });

  it('disconnects (revoking at Google and deleting the tokens), then reconnects', async () => {
    await connectGoogle(world, tenant);
    const secret = await telegramCustomer();
    // A customer without an email address gets no mail and uses no grant; the calendar does.
    await customerSays(secret, 'my emails please', 1);
    await customerSays(secret, 'free slots tomorrow?', 2);
    const disconnected = await world.gateway.request({
      method: 'POST',
      url: '/admin/integrations/google/disconnect',
      token: tenant.apiToken,
    });
    expect(disconnected.statusCode, disconnected.body).toBe(200);
    expect(disconnected.json()).toEqual({ provider: 'google', status: 'disconnected', revoked: true });
    expect(world.google.oauth.counts.revoked).toBe(1);
    const grant = await grantOf(tenant.id);
    expect(grant).toMatchObject({ status: 'disconnected', accessToken: null, refreshToken: null });
    const events = await eventsNamed(world, tenant.id, 'integration_disconnected');
    expect(
      events
        .map((event) => event.properties)
        .sort((a, b) => String(a.service).localeCompare(String(b.service))),
    ).toEqual(
      ['gmail', 'google_calendar'].map((service) => ({
        provider: 'google',
        service,
        connection_age_days: 0,
        disconnect_reason: 'user_initiated',
        usage_count: 1,
      })),
    );
    const again = await world.gateway.request({
      method: 'POST',
      url: '/admin/integrations/google/disconnect',
      token: tenant.apiToken,
    });
    expect(again.statusCode).toBe(404);

    await connectGoogle(world, tenant, '?services=gmail');
    const completed = await eventsNamed(world, tenant.id, 'integration_oauth_completed');
    expect(completed.map((entry) => entry.properties.is_first_connection)).toEqual([true, true, false]);
    const [reconnected] = await eventsNamed(world, tenant.id, 'integration_reconnected');
    expect(reconnected!.properties).toEqual({
      provider: 'google',
      service: 'gmail',
      days_since_disconnect: 0,
      previous_disconnect_reason: 'user_initiated',
    });
    const audit = await world.store.db.auditLog.findMany({
      where: { tenantId: tenant.id, target: 'google' },
    });
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['integration.connected', 'integration.disconnected']),
    );
  });
});

describe('after a whole flow', () => {
  it('the funnel and connection-rate queries show its exact numbers, and no token is anywhere', async () => {
    for (const event of ['integration_viewed', 'integration_connect_clicked']) {
      const response = await world.gateway.request({
        method: 'POST',
        url: '/admin/analytics/workspace-events',
        token: tenant.apiToken,
        payload: { event, connectorId: 'google' },
      });
      expect(response.statusCode).toBe(202);
    }
    world.google.oauth.failNextAuthorization('access_denied');
    await connectGoogle(world, tenant, '?services=gmail');
    await world.gateway.request({
      method: 'POST',
      url: '/admin/analytics/workspace-events',
      token: tenant.apiToken,
      payload: { event: 'integration_connect_clicked', connectorId: 'google' },
    });
    await connectGoogle(world, tenant, '?services=gmail');
    const secret = await telegramCustomer();
    await customerSays(secret, 'my emails please', 1);
    await world.gateway.app.analytics.flush();

    const funnel = await world.gateway.request({
      method: 'GET',
      url: '/admin/analytics/integration-funnel',
      token: tenant.apiToken,
    });
    expect(funnel.json<{ steps: unknown[] }>().steps).toEqual([
      { event: 'integration_viewed', count: 1, conversionRate: null },
      { event: 'integration_connect_clicked', count: 2, conversionRate: 200 },
      { event: 'integration_oauth_started', count: 2, conversionRate: 100 },
      { event: 'integration_oauth_completed', count: 1, conversionRate: 50 },
      { event: 'integration_used_in_chat', count: 1, conversionRate: 100 },
    ]);
    const rate = await world.gateway.request({
      method: 'GET',
      url: '/admin/analytics/connection-rate',
      token: tenant.apiToken,
    });
    expect(rate.json<{ items: unknown[] }>().items).toEqual([
      { provider: 'google', attempts: 2, connected: 1, conversionRate: 50 },
    ]);
    const failures = await world.gateway.request({
      method: 'GET',
      url: '/admin/analytics/oauth-failures',
      token: tenant.apiToken,
    });
    expect(failures.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({ provider: 'google', errorType: 'access_denied', failures: 1 }),
    ]);

    // Secrets and tokens: not in any answer, log line or analytics row.
    await world.gateway.request({
      method: 'GET',
      url: '/admin/connector-hub/google/config',
      token: tenant.apiToken,
    });
    await world.gateway.request({ method: 'GET', url: '/admin/audit-log', token: ADMIN_TOKEN });
    const analytics = await world.store.db.analyticsEvent.findMany({ where: { tenantId: tenant.id } });
    const everywhere = [...world.bodies, ...world.logs, ...analytics.map((row) => row.properties)].join('\n');
    expect(world.google.oauth.issued.length).toBeGreaterThanOrEqual(2);
    for (const secretValue of [...world.google.oauth.issued, 'fake-client-secret-0123456789']) {
      expect(everywhere).not.toContain(secretValue);
    }
  });
});
