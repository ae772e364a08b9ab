/**
 * One owner per linked number across processes: two real gateway processes on one PostgreSQL
 * database race for a linked session; exactly one holds it, the other takes it over within
 * the lease time after the holder is killed, and the dead holder's fencing token is refused.
 * Meanwhile the pairing stream of the process that does not hold the session shows the
 * holder's state changes, and a connect sent there reaches the holder.
 * The processes run real Baileys sockets pointed at a closed loopback port, never WhatsApp.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessionLeases } from '../../../src/server/whatsapp-qr/session-leases.ts';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/telegram-api.ts';
import { createTestStore, postgresServerUrl, type TestStore } from '../../support/database.ts';
import { ADMIN_TOKEN, eventually } from '../../support/gateway.ts';
import { crashTestEnvironment, type GatewayProcess, spawnGateway } from '../../support/process.ts';
import { readEvents } from './pairing-stream.ts';

// Long enough that a heartbeat delayed by a loaded machine does not lose it.
const LEASE_MS = 5_000;

describe.runIf(postgresServerUrl())('WhatsApp QR session ownership across processes', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let dataDir: string;
  const processes: GatewayProcess[] = [];

  beforeEach(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-wa-owner-'));
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((gateway) => gateway.stop('SIGKILL')));
    await telegram.close();
    await store.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(environment: Record<string, string>): Promise<GatewayProcess> {
    const gateway = await spawnGateway(environment);
    processes.push(gateway);
    return gateway;
  }

  const holderOf = async (tenantId: string) =>
    store.db.whatsappQrSession.findUniqueOrThrow({
      where: { tenantId },
      select: { owner: true, fencingToken: true, leaseExpiresAt: true },
    });
  const pidOf = (owner: string | null) => Number(owner?.split('/')[1]);

  it('gives the session to exactly one process, and to the other after a kill; the old token is refused', {
    timeout: 180_000,
  }, async () => {
    const environment = {
      ...crashTestEnvironment({ databaseUrl: store.url, dataDir, telegramApiRoot: telegram.apiRoot }),
      WHATSAPP_QR_LEASE_MS: String(LEASE_MS),
      WHATSAPP_QR_WEBSOCKET_URL: 'ws://127.0.0.1:9/',
    };
    const first = await start(environment);
    const created = await fetch(`${first.url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'bakery', name: 'Bakery' }),
    });
    expect(created.status).toBe(201);
    const { id: tenantId, apiToken } = (await created.json()) as { id: string; apiToken: string };
    const second = await start(environment);
    // A link made earlier, whose holder is gone: both processes race to take it up.
    await store.db.whatsappQrSession.create({
      data: { tenantId, state: 'connected', phone: '+15550009999', connectedSince: new Date() },
    });
    const pids = [first.child.pid!, second.child.pid!];
    const taken = await eventually(async () => (await holderOf(tenantId)).owner, 30_000, 'a holder');
    expect(pids).toContain(pidOf(taken));
    const held = await holderOf(tenantId);
    // While both live, the holder keeps it: same owner, same token, lease renewed.
    const until = Date.now() + 3 * LEASE_MS;
    while (Date.now() < until) {
      const now = await holderOf(tenantId);
      expect(now.owner).toBe(held.owner);
      expect(now.fencingToken).toBe(held.fencingToken);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Number((await holderOf(tenantId)).leaseExpiresAt)).toBeGreaterThan(Number(held.leaseExpiresAt));

    const [holder, other] = pidOf(held.owner) === first.child.pid ? [first, second] : [second, first];
    // Staff whose requests land on the other process see the holder's session change state
    // (its real socket, pointed at a closed port, keeps reconnecting), and their connect
    // reaches the holder instead of being refused.
    const pairing = new AbortController();
    const stream = await fetch(`${other.url}/admin/channels/whatsapp_qr/pairing`, {
      headers: { authorization: `Bearer ${apiToken}` },
      signal: pairing.signal,
    });
    expect(stream.status).toBe(200);
    const events = readEvents(stream);
    await eventually(
      () => events.some((event) => event.event === 'state' && event.data.reason !== 'current'),
      30_000,
      'a state change of the holder on the other process',
    );
    const connect = await fetch(`${other.url}/admin/channels/whatsapp_qr/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(connect.status).toBe(200);
    expect(await connect.json()).toMatchObject({ heldHere: false });
    pairing.abort();
    expect((await holderOf(tenantId)).owner).toBe(held.owner);
    const killedAt = Date.now();
    await holder.stop('SIGKILL');
    const next = await eventually(
      async () => {
        const row = await holderOf(tenantId);
        return row.owner !== held.owner ? row : undefined;
      },
      30_000,
      'the take-over',
    );
    expect(pidOf(next!.owner)).toBe(other.child.pid);
    expect(next!.fencingToken).toBeGreaterThan(held.fencingToken);
    // Within the lease plus one heartbeat (a third of it), with room for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 5_000);

    // The dead holder's token: refused for sending, and its heartbeat cannot win the lease back.
    const stale = createSessionLeases({ db: store.db, owner: held.owner!, leaseMs: LEASE_MS });
    await expect(stale.confirm({ tenantId, fencingToken: held.fencingToken })).rejects.toMatchObject({
      code: 'LEASE_LOST',
    });
    expect(await stale.renew({ tenantId, fencingToken: held.fencingToken })).toBe(false);
    expect(await stale.acquire(tenantId)).toBeUndefined();
    // The new holder's token is good.
    const current = createSessionLeases({ db: store.db, owner: next!.owner!, leaseMs: LEASE_MS });
    await expect(current.confirm({ tenantId, fencingToken: next!.fencingToken })).resolves.toBeUndefined();
  });
});
