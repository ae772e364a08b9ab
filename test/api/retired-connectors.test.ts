import { beforeEach, describe, expect, it } from 'vitest';
import type { TestTenant } from '../support/gateway.ts';
import { expectError, useGatewayWorld } from './gateway-world.ts';

describe('Google Business Messages, retired', () => {
  const world = useGatewayWorld({ shared: true });
  let tenant: TestTenant;
  let slug = 0;

  beforeEach(async () => {
    slug += 1;
    tenant = await world.gateway.createTenant(`retired-${slug}`);
  });

  const call = (method: 'GET' | 'PUT' | 'POST', path: string, payload?: object) =>
    world.gateway.request({ method, url: `/admin/connector-hub${path}`, token: tenant.apiToken, payload });

  it('is listed in the catalog as retired, with no fields', async () => {
    const items = (await call('GET', '/catalog')).json().items;
    expect(items.find((item: { id: string }) => item.id === 'google_business_messages')).toEqual({
      id: 'google_business_messages',
      name: 'Google Business Messages',
      category: 'messaging',
      fields: [],
      status: 'retired',
    });
  });

  it.each([
    ['en', /shut down|ended Business Messages on \*\*31 July 2024\*\*/],
    ['de', /am \*\*31\. Juli 2024\*\* beendet/],
  ] as const)('has setup docs in %s that say it was shut down', async (language, expected) => {
    const docs = await call('GET', `/google_business_messages/setup-docs?lang=${language}`);
    expect(docs.statusCode).toBe(200);
    expect(docs.json().markdown).toMatch(expected);
  });

  it('refuses a configuration with 410 and a clear message, and stores nothing', async () => {
    const message = expectError(
      await call('PUT', '/google_business_messages/config', {}),
      410,
      'CONNECTOR_RETIRED',
    );
    expect(message).toMatch(/shut down on 2024-07-31/);
    expect(await world.connectorRow(tenant, 'google_business_messages')).toBeNull();
  });

  it('refuses a connection test with 410', async () => {
    expectError(await call('POST', '/google_business_messages/test'), 410, 'CONNECTOR_RETIRED');
  });

  it('has no webhook: a POST is an unknown channel', async () => {
    const response = await world.gateway.app.inject({
      method: 'POST',
      url: `/webhook/google_business_messages/${tenant.slug}`,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expectError(response, 404, 'UNKNOWN_CHANNEL');
  });
});
