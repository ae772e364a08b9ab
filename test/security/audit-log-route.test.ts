import { describe, expect, it } from 'vitest';
import { expectError, useGatewayWorld } from '../api/gateway-world.ts';
import { ADMIN_TOKEN } from '../support/gateway.ts';

interface Entry {
  id: string;
  tenantId: string | null;
  action: string;
  target: string;
  createdAt: string;
}

describe('GET /admin/audit-log', () => {
  const world = useGatewayWorld();
  const db = () => world.store.db;

  /** Writes `count` entries for a tenant one second apart, oldest first, starting at `start`. */
  async function entries(tenantId: string | null, action: string, count: number, start: Date) {
    for (let index = 0; index < count; index += 1) {
      await db().auditLog.create({
        data: {
          tenantId,
          actor: 'token:test',
          action,
          target: `target-${index}`,
          createdAt: new Date(start.getTime() + index * 1000),
        },
      });
    }
  }

  const get = async (token: string, query = '', headers: Record<string, string> = {}) => {
    const response = await world.gateway.request({
      method: 'GET',
      url: `/admin/audit-log${query}`,
      token,
      headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { items: Entry[]; nextCursor: string | null };
  };

  it('pages through a tenant’s entries newest first, each once, and shows no other tenant’s', async () => {
    const bakery = await world.gateway.createTenant('bakery');
    const florist = await world.gateway.createTenant('florist');
    await entries(bakery.id, 'test.entry', 25, new Date('2026-06-01T00:00:00Z'));
    await entries(florist.id, 'test.entry', 5, new Date('2026-06-01T00:00:00Z'));
    const seen: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(
        bakery.apiToken,
        `?action=test.entry&limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(10);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen.map((entry) => entry.id)).size).toBe(25);
    expect(seen.every((entry) => entry.tenantId === bakery.id)).toBe(true);
    const times = seen.map((entry) => entry.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('filters by action, target and a time range (from inclusive, to exclusive)', async () => {
    const bakery = await world.gateway.createTenant('bakery');
    await entries(bakery.id, 'test.entry', 10, new Date('2026-06-01T00:00:00Z'));
    const ranged = await get(
      bakery.apiToken,
      '?action=test.entry&from=2026-06-01T00:00:03Z&to=2026-06-01T00:00:06Z',
    );
    expect(ranged.items.map((entry) => entry.target)).toEqual(['target-5', 'target-4', 'target-3']);
    const targeted = await get(bakery.apiToken, '?target=target-7');
    expect(targeted.items).toEqual([expect.objectContaining({ action: 'test.entry', target: 'target-7' })]);
    const created = await get(bakery.apiToken, '?action=tenant.created');
    expect(created.items).toEqual([expect.objectContaining({ target: 'bakery', tenantId: bakery.id })]);
  });

  it('shows the admin every tenant’s entries and the platform’s; with X-Tenant only that tenant’s', async () => {
    const bakery = await world.gateway.createTenant('bakery');
    const florist = await world.gateway.createTenant('florist');
    const everything = await get(ADMIN_TOKEN, '?action=tenant.created');
    expect(everything.items.map((entry) => entry.target).sort()).toEqual(['bakery', 'florist']);
    await world.gateway.request({ method: 'DELETE', url: '/admin/tenants/florist', token: ADMIN_TOKEN });
    const deleted = await get(ADMIN_TOKEN, '?action=tenant.deleted');
    expect(deleted.items).toEqual([expect.objectContaining({ tenantId: null, target: 'florist' })]);
    const forBakery = await get(ADMIN_TOKEN, '', { 'x-tenant': bakery.slug });
    expect(forBakery.items.every((entry) => entry.tenantId === bakery.id)).toBe(true);
    expect(JSON.stringify(forBakery)).not.toContain(florist.id);
  });

  it('answers a bad limit, time or cursor 400 naming the field', async () => {
    const bakery = await world.gateway.createTenant('bakery');
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=1000', 'limit'],
      ['?from=yesterday', 'from'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?colour=red', 'colour'],
    ] as const) {
      const response = await world.gateway.request({
        method: 'GET',
        url: `/admin/audit-log${query}`,
        token: bakery.apiToken,
      });
      expect(expectError(response, 400, 'VALIDATION_FAILED')).toContain(field);
    }
  });
});
