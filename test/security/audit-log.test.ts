import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { type ConnectedTenant, SECOND_BOT_TOKEN, useGatewayWorld } from '../api/gateway-world.ts';
import { ADMIN_TOKEN } from '../support/gateway.ts';

const CONFIG_URL = '/admin/connector-hub/telegram/config';

describe('audit log of connector changes', () => {
  const world = useGatewayWorld();

  const auditOf = (tenant: ConnectedTenant) =>
    world.store.db.auditLog.findMany({
      where: { tenantId: tenant.id },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });

  /** Sends a request and returns the audit rows it added for the tenant. */
  async function audited(tenant: ConnectedTenant, options: InjectOptions & { token?: string }) {
    const before = (await auditOf(tenant)).length;
    const response = await world.gateway.request(options);
    expect(response.statusCode, response.body).toBeLessThan(300);
    return (await auditOf(tenant)).slice(before);
  }

  it('records a PUT, a test and a DELETE by a tenant token as token:<token id>, with action and target', async () => {
    const tenant = await world.connectedTenant('bakery');
    const actor = `token:${await world.tokenId(tenant.apiToken)}`;
    const token = tenant.apiToken;
    const put = await audited(tenant, {
      method: 'PUT',
      url: CONFIG_URL,
      token,
      payload: { admin_chat_id: '5' },
    });
    const test = await audited(tenant, { method: 'POST', url: '/admin/connector-hub/telegram/test', token });
    const removed = await audited(tenant, { method: 'DELETE', url: CONFIG_URL, token });

    expect(put).toEqual([
      expect.objectContaining({ actor, action: 'connector.config.updated', target: 'telegram' }),
    ]);
    expect(JSON.parse(put[0]!.details)).toEqual({ fields: ['admin_chat_id'], status: 'connected' });
    expect(test).toEqual([
      expect.objectContaining({ actor, action: 'connector.tested', target: 'telegram' }),
    ]);
    expect(JSON.parse(test[0]!.details)).toEqual({ ok: true });
    expect(removed).toEqual([
      expect.objectContaining({ actor, action: 'connector.config.deleted', target: 'telegram' }),
    ]);
  });

  it('records the admin acting through X-Tenant as admin:<token id> under the tenant', async () => {
    const tenant = await world.connectedTenant('bakery');
    const rows = await audited(tenant, {
      method: 'POST',
      url: '/admin/connector-hub/telegram/test',
      token: ADMIN_TOKEN,
      headers: { 'x-tenant': tenant.slug },
    });
    expect(rows).toEqual([
      expect.objectContaining({
        actor: `admin:${await world.tokenId(ADMIN_TOKEN)}`,
        action: 'connector.tested',
      }),
    ]);
  });

  it('writes no secret into any audit row, also when a secret changes or setup fails', async () => {
    const tenant = await world.connectedTenant('bakery');
    const token = tenant.apiToken;
    const newSecret = 'a-fresh-webhook-secret-chosen-by-staff';
    const rejectedToken = '7000000099:a-token-telegram-does-not-know';
    await audited(tenant, {
      method: 'PUT',
      url: CONFIG_URL,
      token,
      payload: { bot_token: SECOND_BOT_TOKEN },
    });
    await audited(tenant, { method: 'PUT', url: CONFIG_URL, token, payload: { webhook_secret: newSecret } });
    const failed = await audited(tenant, {
      method: 'PUT',
      url: CONFIG_URL,
      token,
      payload: { bot_token: rejectedToken },
    });
    expect(JSON.parse(failed[0]!.details)).toEqual({ fields: ['bot_token'], status: 'error' });
    // The stored token is now one Telegram rejects, so the test fails too.
    const test = await audited(tenant, { method: 'POST', url: '/admin/connector-hub/telegram/test', token });
    expect(JSON.parse(test[0]!.details)).toEqual({ ok: false });

    const rows = await auditOf(tenant);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    const everything = JSON.stringify(rows);
    for (const secret of [
      tenant.botToken,
      tenant.webhookSecret,
      SECOND_BOT_TOKEN,
      newSecret,
      rejectedToken,
      token,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});
