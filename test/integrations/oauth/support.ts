/** A gateway wired to the loopback Google (and optionally Microsoft) fakes, and the connect dance. */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { type FakeGoogle, startFakeGoogle } from '../../fakes/google-apis.ts';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from '../../fakes/oauth-server.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../../support/database.ts';
import { PUBLIC_URL, startTestGateway, type TestGateway, type TestTenant } from '../../support/gateway.ts';

/** The authorization host staff's browser is sent to; only the browser (the test) visits it. */
export const GOOGLE_ACCOUNTS = 'https://accounts.fake-google.test';

export interface OAuthWorld {
  store: TestStore;
  telegram: FakeTelegram;
  google: FakeGoogle;
  gateway: TestGateway;
  /** Every log line the gateway wrote. */
  logs: string[];
  /** Every response body the test received from the gateway. */
  bodies: string[];
  stop(): Promise<void>;
}

export async function startOAuthWorld(): Promise<OAuthWorld> {
  const store = await createTestStore();
  const telegram = await startFakeTelegram({ tokens: [FAKE_BOT_TOKEN] });
  const google = await startFakeGoogle();
  const logs: string[] = [];
  const gateway = await startTestGateway({
    store,
    telegram,
    environment: {
      GOOGLE_ACCOUNTS_URL: GOOGLE_ACCOUNTS,
      GOOGLE_OAUTH2_URL: google.url,
      GOOGLE_API_URL: google.url,
    },
    server: { logger: { level: 'debug', stream: { write: (line) => logs.push(line) } } },
  });
  const bodies: string[] = [];
  const request = gateway.request;
  gateway.request = async (options) => {
    const response = await request(options);
    bodies.push(response.body, JSON.stringify(response.headers));
    return response;
  };
  return {
    store,
    telegram,
    google,
    gateway,
    logs,
    bodies,
    async stop() {
      await gateway.close();
      await google.close();
      await telegram.close();
      await store.dispose();
    },
  };
}

/** Saves the tenant's Google OAuth client. */
export async function configureGoogle(
  world: OAuthWorld,
  tenant: TestTenant,
  services = 'gmail,google_calendar',
) {
  const response = await world.gateway.request({
    method: 'PUT',
    url: '/admin/connector-hub/google/config',
    token: tenant.apiToken,
    payload: { client_id: FAKE_CLIENT_ID, client_secret: FAKE_CLIENT_SECRET, services },
  });
  expect(response.statusCode, response.body).toBe(200);
}

/** What staff's browser carries between the connect click and the callback. */
export interface Started {
  location: URL;
  cookie: string;
}

/** Clicks connect: the gateway's redirect to the provider and the browser-binding cookie. */
export async function clickConnect(
  world: OAuthWorld,
  tenant: TestTenant,
  query = '',
  cookie?: string,
): Promise<Started> {
  const response = await world.gateway.request({
    method: 'GET',
    url: `/admin/integrations/google/connect${query}`,
    token: tenant.apiToken,
    ...(cookie ? { headers: { cookie } } : {}),
  });
  expect(response.statusCode, response.body).toBe(302);
  const binding = response.cookies.find((entry) => entry.name === 'switchboard_oauth');
  return {
    location: new URL(String(response.headers.location)),
    cookie: binding ? `switchboard_oauth=${binding.value}` : (cookie ?? ''),
  };
}

/** The provider's consent screen: the fake answers with a redirect to our callback. */
export async function consent(world: OAuthWorld, started: Started): Promise<URL> {
  const answer = await fetch(`${world.google.url}${started.location.pathname}${started.location.search}`, {
    redirect: 'manual',
  });
  expect(answer.status).toBe(302);
  return new URL(String(answer.headers.get('location')));
}

/** The browser arriving back at the gateway. */
export async function returnTo(
  world: OAuthWorld,
  callback: URL,
  cookie: string,
): Promise<LightMyRequestResponse> {
  const response = await world.gateway.app.inject({
    method: 'GET',
    url: `${callback.pathname}${callback.search}`,
    headers: cookie ? { cookie } : {},
  });
  world.bodies.push(response.body, JSON.stringify(response.headers));
  return response;
}

/** The whole dance; answers where staff were sent back to. */
export async function connectGoogle(world: OAuthWorld, tenant: TestTenant, query = ''): Promise<URL> {
  const started = await clickConnect(world, tenant, query);
  const callback = await consent(world, started);
  expect(callback.origin + callback.pathname).toBe(`${PUBLIC_URL}/oauth/callback/google`);
  const response = await returnTo(world, callback, started.cookie);
  expect(response.statusCode, response.body).toBe(302);
  return new URL(String(response.headers.location));
}

/** The tenant's analytics rows of some events, oldest first, with their properties parsed. */
export async function eventsNamed(world: OAuthWorld, tenantId: string, ...names: string[]) {
  const rows = await world.store.db.analyticsEvent.findMany({
    where: { tenantId, name: { in: names } },
    orderBy: { occurredAt: 'asc' },
  });
  return rows.map((row) => ({
    name: row.name,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
  }));
}
