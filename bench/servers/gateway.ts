/**
 * The gateway under test, in its own process: the real app (buildApp) on a fresh SQLite
 * file in a temporary folder, or on the (scratch) PostgreSQL database in BENCH_DATABASE_URL, with one
 * tenant whose Telegram, WhatsApp Cloud and Twilio SMS connectors are configured against
 * loopback fakes (Bot API, Graph API, Twilio REST API). By default the job
 * worker is off (WORKER_CONCURRENCY=0), so only ingest is measured: verify, dedupe, store
 * the message with its respond job, ack.
 *
 * For the reply bench: BENCH_WORKER_CONCURRENCY turns the worker on (the offline agent
 * answers), BENCH_TELEGRAM_API_ROOT points Telegram at the bench's own fake so that it sees
 * the replies, and BENCH_ATTACH=1 starts a second process on the same PostgreSQL database
 * that takes webhooks and jobs for the tenant the first one created.
 *
 * On "finish" it closes the app (which waits for pending writes), then reports what the
 * database holds for the tenant, per channel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generateKeySpecification, parseKeyRing } from '../../src/connectors/key-ring.ts';
import { parseConfig } from '../../src/core/config.ts';
import { buildApp } from '../../src/server/app.ts';
import { ensureAdminToken } from '../../src/server/auth.ts';
import { openStore } from '../../src/store/index.ts';
import { FAKE_APP_SECRET, FAKE_WHATSAPP, startFakeMetaGraph } from '../../test/fakes/meta-graph.ts';
import { FAKE_BOT_TOKEN, startFakeTelegram } from '../../test/fakes/telegram-api.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  startFakeTwilio,
} from '../../test/fakes/twilio-api.ts';
import { createBenchTenant } from '../lib/bench-tenant.ts';
import { onFinish } from '../lib/child.ts';

export interface GatewayReady {
  port: number;
  slug: string;
  secret: string;
  dialect: string;
  /** The gateway's PUBLIC_URL: Twilio signs PUBLIC_URL + path. */
  publicUrl: string;
}

/** What the database holds for the bench tenant on one channel. */
export interface ChannelReport {
  providerMessageIds: string[];
  /** Respond jobs for this channel's messages. */
  jobs: number;
  conversations: number;
  /** Channel identities, one per sender; each is a contact of its own. */
  identities: number;
}

export interface GatewayReport {
  channels: Record<string, ChannelReport>;
  /** For the whole tenant. */
  jobs: number;
  contacts: number;
}

export const BENCH_CHANNELS = ['telegram', 'whatsapp', 'sms'] as const;
const PUBLIC_URL = 'https://gateway.bench';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-'));

const attach = process.env.BENCH_ATTACH === '1';
const workerConcurrency = process.env.BENCH_WORKER_CONCURRENCY ?? '0';
const store = await openStore({ databaseUrl, dataDir });
const ownTelegram = process.env.BENCH_TELEGRAM_API_ROOT ? undefined : await startFakeTelegram();
const telegramApiRoot = process.env.BENCH_TELEGRAM_API_ROOT ?? ownTelegram!.apiRoot;
const graph = await startFakeMetaGraph();
const twilio = await startFakeTwilio();
const config = parseConfig({
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  PUBLIC_URL,
  TELEGRAM_API_ROOT: telegramApiRoot,
  META_GRAPH_API_URL: graph.baseUrl,
  TWILIO_API_BASE_URL: twilio.baseUrl,
  SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
  WORKER_CONCURRENCY: workerConcurrency,
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
});
const app = await buildApp({
  config,
  store,
  keyRing: parseKeyRing(process.env.BENCH_SECRET_KEY ?? generateKeySpecification()),
});
await ensureAdminToken(store.db, ADMIN_TOKEN);

const slug = 'bench';
const tenant = attach ? await attachedTenant() : await createTenant();

/** The tenant a first process created (BENCH_ATTACH=1). */
async function attachedTenant(): Promise<{ id: string; apiToken: string }> {
  const found = await store.db.tenant.findUniqueOrThrow({ where: { slug }, select: { id: true } });
  return { id: found.id, apiToken: '' };
}

async function createTenant(): Promise<{ id: string; apiToken: string }> {
  const { put, ...createdTenant } = await createBenchTenant(app, ADMIN_TOKEN, slug);
  await put('/admin/connector-hub/telegram/config', { bot_token: FAKE_BOT_TOKEN });
  await put('/admin/connector-hub/whatsapp/config', {
    phone_number_id: FAKE_WHATSAPP.phoneNumberId,
    access_token: FAKE_WHATSAPP.accessToken,
    verify_token: 'bench-verify-token',
    app_secret: FAKE_APP_SECRET,
  });
  await put('/admin/connector-hub/sms/config', {
    account_sid: FAKE_ACCOUNT_SID,
    auth_token: FAKE_AUTH_TOKEN,
    sms_number: FAKE_SMS_NUMBER,
  });
  // The reply bench's chats write for minutes: lift the per-contact reply limit (30 an hour).
  await put('/admin/agent', { maxRepliesPerContactHour: 1_000 });
  return createdTenant;
}

// With the bench's own Bot API fake, the bench reads the secret from its setWebhook call.
const registration = ownTelegram?.calls.findLast((call) => call.method === 'setWebhook');
if (ownTelegram && !attach && !registration) throw new Error('the gateway did not call setWebhook');

// BENCH_LOOP_DELAY=1: every second the event loop was held up by more than 200 ms is logged.
if (process.env.BENCH_LOOP_DELAY === '1') {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    const maxMs = delay.max / 1e6;
    if (maxMs > 200)
      process.stderr.write(`event loop delay: max ${Math.round(maxMs)} ms at ${new Date().toISOString()}\n`);
    delay.reset();
  }, 1_000).unref();
}

await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({
  port: (app.server.address() as AddressInfo).port,
  slug,
  secret: registration ? String(registration.body.secret_token) : '',
  dialect: store.dialect,
  publicUrl: PUBLIC_URL,
} satisfies GatewayReady);

onFinish(async (): Promise<GatewayReport> => {
  await app.close();
  const { db } = store;
  const where = { tenantId: tenant.id };
  const messages = await db.message.findMany({
    where,
    select: { id: true, channel: true, providerMessageId: true },
  });
  const channelOfMessage = new Map(messages.map((message) => [message.id, message.channel]));
  const jobs = await db.job.findMany({ where, select: { payload: true } });
  const report: GatewayReport = {
    channels: {},
    jobs: jobs.length,
    contacts: await db.contact.count({ where }),
  };
  for (const channel of BENCH_CHANNELS) {
    report.channels[channel] = {
      providerMessageIds: messages
        .filter((message) => message.channel === channel)
        .map((message) => message.providerMessageId ?? ''),
      jobs: jobs.filter(
        (job) =>
          channelOfMessage.get((JSON.parse(job.payload) as { messageId?: string }).messageId ?? '') ===
          channel,
      ).length,
      conversations: await db.conversation.count({ where: { ...where, channel } }),
      identities: await db.channelIdentity.count({ where: { ...where, channel } }),
    };
  }
  await store.close();
  await ownTelegram?.close();
  await graph.close();
  await twilio.close();
  await rm(dataDir, { recursive: true, force: true });
  return report;
});
