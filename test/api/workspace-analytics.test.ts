import { describe, expect, it } from 'vitest';
import { expectError, useGatewayWorld } from './gateway-world.ts';
import { staffMember } from './staff-support.ts';

describe('integration events from the workspace', () => {
  const world = useGatewayWorld();

  it('records views and connect clicks of catalog integrations with what the server knows, and nothing for channels', async () => {
    const tenant = await world.connectedTenant('events-from-ui');
    const admin = await staffMember(world.gateway, tenant, { email: 'ui@example.org', role: 'admin' });
    const send = (event: string, connectorId: string) =>
      admin.request({
        method: 'POST',
        url: '/admin/analytics/workspace-events',
        payload: { event, connectorId },
      });

    expect((await send('integration_viewed', 'imap')).json()).toEqual({ recorded: true });
    expect((await send('integration_connect_clicked', 'caldav')).json()).toEqual({ recorded: true });
    expect((await send('integration_viewed', 'telegram')).json()).toEqual({ recorded: false });
    expectError(await send('integration_oauth_completed', 'imap'), 400, 'VALIDATION_FAILED');

    const rows = await world.store.db.analyticsEvent.findMany({
      where: { tenantId: tenant.id, name: { startsWith: 'integration_' } },
      orderBy: { name: 'asc' },
    });
    expect(rows.map((row) => [row.name, row.provider, row.service])).toEqual([
      ['integration_connect_clicked', 'none', 'caldav'],
      ['integration_viewed', 'none', 'imap_mail'],
    ]);
    expect(JSON.parse(rows[0]!.properties)).toMatchObject({
      is_reconnect: false,
      previous_status: 'disconnected',
    });
    expect(JSON.parse(rows[1]!.properties)).toMatchObject({
      current_status: 'disconnected',
      category: 'productivity',
    });
  });
});
