/**
 * The gateway for the collector benchmark, in its own process: the real app (buildApp) on a
 * fresh SQLite file, or on the scratch PostgreSQL database in BENCH_DATABASE_URL, with one
 * tenant and one write key whose rate limit is out of the way. No job worker runs.
 *
 * On "finish" it closes the app (which writes anything pending) and reports how many events
 * the database holds for the tenant.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeySpecification, parseKeyRing } from '../../src/connectors/key-ring.ts';
import { parseConfig } from '../../src/core/config.ts';
import { buildApp } from '../../src/server/app.ts';
import { ensureAdminToken } from '../../src/server/auth.ts';
import { openStore } from '../../src/store/index.ts';
import { createBenchTenant } from '../lib/bench-tenant.ts';
import { onFinish } from '../lib/child.ts';

export interface AnalyticsGatewayReady {
  port: number;
  writeKey: string;
  dialect: string;
}

export interface AnalyticsGatewayReport {
  storedEvents: number;
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-analytics-'));

const store = await openStore({ databaseUrl, dataDir });
const config = parseConfig({
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
  WORKER_CONCURRENCY: '0',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  ANALYTICS_RATE_PER_SECOND: '10000000',
  ANALYTICS_RATE_BURST: '10000000',
});
const app = await buildApp({ config, store, keyRing: parseKeyRing(generateKeySpecification()) });
await ensureAdminToken(store.db, ADMIN_TOKEN);

const tenant = await createBenchTenant(app, ADMIN_TOKEN);
const key = await app.inject({
  method: 'POST',
  url: '/admin/analytics/write-keys',
  headers: { authorization: `Bearer ${tenant.apiToken}` },
  payload: { label: 'bench' },
});
if (key.statusCode !== 201) throw new Error(`creating the write key failed: ${key.body}`);

await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({
  port: (app.server.address() as AddressInfo).port,
  writeKey: key.json<{ writeKey: string }>().writeKey,
  dialect: store.dialect,
} satisfies AnalyticsGatewayReady);

onFinish(async (): Promise<AnalyticsGatewayReport> => {
  await app.close();
  const storedEvents = await store.db.analyticsEvent.count({ where: { tenantId: tenant.id } });
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  return { storedEvents };
});
