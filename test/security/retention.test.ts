import { describe, expect, it } from 'vitest';
import {
  queueRetention,
  RETENTION_JOB,
  startRetentionSchedule,
  sweepRetention,
} from '../../src/server/data-protection/retention.ts';
import { expectError, useGatewayWorld } from '../api/gateway-world.ts';
import { eventually } from '../support/gateway.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('retention', () => {
  const world = useGatewayWorld();
  const db = () => world.store.db;

  /** Two tenants with a conversation each; every message is made `ageDays` old. */
  async function history(ageDays: number) {
    const keeping = await world.connectedTenant('keeping');
    const purging = await world.connectedTenant('purging', '7000000002:second-bot_token-of-tenant-b');
    await world.say(keeping, 5550001, 'old news at the keeping tenant');
    await world.say(purging, 5550002, 'old news at the purging tenant');
    await world.settled();
    await db().message.updateMany({ data: { createdAt: new Date(Date.now() - ageDays * DAY_MS) } });
    const setting = await world.gateway.request({
      method: 'PUT',
      url: '/admin/retention',
      token: purging.apiToken,
      payload: { retentionDays: 30 },
    });
    expect(setting.statusCode, setting.body).toBe(200);
    return { keeping, purging };
  }

  it('sets and reads a tenant’s retention, audited, and answers a bad value 400', async () => {
    const tenant = await world.connectedTenant('bakery');
    const read = () =>
      world.gateway.request({ method: 'GET', url: '/admin/retention', token: tenant.apiToken });
    expect((await read()).json()).toEqual({ retentionDays: null });
    await world.gateway.request({
      method: 'PUT',
      url: '/admin/retention',
      token: tenant.apiToken,
      payload: { retentionDays: 90 },
    });
    expect((await read()).json()).toEqual({ retentionDays: 90 });
    expect(await db().auditLog.count({ where: { tenantId: tenant.id, action: 'retention.updated' } })).toBe(
      1,
    );
    for (const retentionDays of [0, 1.5, '30'])
      expectError(
        await world.gateway.request({
          method: 'PUT',
          url: '/admin/retention',
          token: tenant.apiToken,
          payload: { retentionDays },
        }),
        400,
        'VALIDATION_FAILED',
      );
  });

  it('purges messages older than the tenant’s retention, and only those tenants’', async () => {
    const { keeping, purging } = await history(40);
    await world.say(purging, 5550002, 'fresh news');
    await world.settled();
    const outcome = await sweepRetention(db(), Date.now());
    expect(outcome.messages).toBeGreaterThanOrEqual(2);
    const texts = (tenantId: string) =>
      db().message.findMany({ where: { tenantId, direction: 'inbound' }, select: { text: true } });
    expect(await texts(purging.id)).toEqual([{ text: 'fresh news' }]);
    expect(await texts(keeping.id)).toEqual([{ text: 'old news at the keeping tenant' }]);
    expect(await db().outboxMessage.count({ where: { tenantId: purging.id } })).toBe(1);
  });

  it('purges done jobs after 3 days and dead ones after 14, never unfinished ones', async () => {
    const tenant = await world.connectedTenant('bakery');
    const job = (status: string, ageDays: number) =>
      db().job.create({
        data: {
          tenantId: tenant.id,
          kind: 'test',
          status,
          runAtMs: 0n,
          updatedAt: new Date(Date.now() - ageDays * DAY_MS),
        },
      });
    const kept = [
      await job('done', 2),
      await job('dead', 10),
      await job('queued', 30),
      await job('running', 30),
    ];
    await job('done', 4);
    await job('dead', 15);
    expect((await sweepRetention(db(), Date.now())).jobs).toBe(2);
    const left = await db().job.findMany({ where: { tenantId: tenant.id }, select: { id: true } });
    expect(left.map((row) => row.id).sort()).toEqual(kept.map((row) => row.id).sort());
  });

  it('runs as a durable job that the worker takes: one row per time slot, whoever queues it', async () => {
    const { purging } = await history(40);
    const now = Date.now();
    await queueRetention(db(), now);
    await queueRetention(db(), now + 1);
    world.gateway.app.worker?.wake();
    await eventually(
      async () => (await db().message.count({ where: { tenantId: purging.id } })) === 0,
      10_000,
    );
    await eventually(
      async () => (await db().job.count({ where: { kind: RETENTION_JOB, status: 'done' } })) === 1,
    );
    const jobs = await db().job.findMany({ where: { kind: RETENTION_JOB } });
    expect(jobs).toEqual([expect.objectContaining({ status: 'done', tenantId: 'platform' })]);
  });

  it('queues a sweep at each slot boundary until stopped', async () => {
    const stop = startRetentionSchedule({
      db: db(),
      clock: { now: () => Date.now() },
      onError: () => {},
      intervalMs: 300,
    });
    await eventually(async () => (await db().job.count({ where: { kind: RETENTION_JOB } })) >= 2, 5000);
    stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const count = await db().job.count({ where: { kind: RETENTION_JOB } });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await db().job.count({ where: { kind: RETENTION_JOB } })).toBe(count);
  });
});
