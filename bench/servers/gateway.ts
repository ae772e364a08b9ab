/**
 * The gateway under test, in its own process: the real app (buildApp) on a fresh SQLite
 * file in a temporary folder, or on the (scratch) PostgreSQL database in BENCH_DATABASE_URL, with one
 * tenant whose Telegram connector is configured against a loopback fake Bot API. The job
 * worker is off (WORKER_CONCURRENCY=0), so only ingest is measured: verify, dedupe, store
 * the message with its respond job, ack.
 *
 * On "finish" it closes the app (which waits for pending writes), then reports what the
 * database holds for the tenant.
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
import { FAKE_BOT_TOKEN, startFakeTelegram } from '../../test/fakes/telegram-api.ts';
import { onFinish } from '../lib/child.ts';

export interface GatewayReady {
  port: number;
  slug: string;
  secret: string;
  dialect: string;
}

export interface GatewayReport {
  providerMessageIds: string[];
  jobs: number;
  contacts: number;
  conversations: number;
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-'));

const store = await openStore({ databaseUrl, dataDir });
const telegram = await startFakeTelegram();
const config = parseConfig({
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  PUBLIC_URL: 'https://gateway.bench',
  TELEGRAM_API_ROOT: telegram.apiRoot,
  SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
  WORKER_CONCURRENCY: '0',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
});
const app = await buildApp({ config, store, keyRing: parseKeyRing(generateKeySpecification()) });
await ensureAdminToken(store.db, ADMIN_TOKEN);

const slug = 'bench';
const created = await app.inject({
  method: 'POST',
  url: '/admin/tenants',
  headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  payload: { slug, name: 'Bench' },
});
if (created.statusCode !== 201) throw new Error(`creating the tenant failed: ${created.body}`);
const tenant = created.json<{ id: string; apiToken: string }>();
const configured = await app.inject({
  method: 'PUT',
  url: '/admin/connector-hub/telegram/config',
  headers: { authorization: `Bearer ${tenant.apiToken}` },
  payload: { bot_token: FAKE_BOT_TOKEN },
});
if (configured.statusCode !== 200) throw new Error(`configuring Telegram failed: ${configured.body}`);
const registration = telegram.calls.findLast((call) => call.method === 'setWebhook');
if (!registration) throw new Error('the gateway did not call setWebhook');

await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({
  port: (app.server.address() as AddressInfo).port,
  slug,
  secret: String(registration.body.secret_token),
  dialect: store.dialect,
} satisfies GatewayReady);

onFinish(async (): Promise<GatewayReport> => {
  await app.close();
  const { db } = store;
  const where = { tenantId: tenant.id };
  const messages = await db.message.findMany({ where, select: { providerMessageId: true } });
  const report: GatewayReport = {
    providerMessageIds: messages.map((message) => message.providerMessageId ?? ''),
    jobs: await db.job.count({ where }),
    contacts: await db.contact.count({ where }),
    conversations: await db.conversation.count({ where }),
  };
  await store.close();
  await telegram.close();
  await rm(dataDir, { recursive: true, force: true });
  return report;
});
