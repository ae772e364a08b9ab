/**
 * The gateway under test, in its own process: the real app (buildApp) on a fresh SQLite
 * file in a temporary folder, or on the (scratch) PostgreSQL database in BENCH_DATABASE_URL, with one
 * tenant whose Telegram, WhatsApp Cloud and Twilio SMS connectors are configured against
 * loopback fakes (Bot API, Graph API, Twilio REST API). The job
 * worker is off (WORKER_CONCURRENCY=0), so only ingest is measured: verify, dedupe, store
 * the message with its respond job, ack.
 *
 * On "finish" it closes the app (which waits for pending writes), then reports what the
 * database holds for the tenant, per channel.
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
import { FAKE_APP_SECRET, FAKE_WHATSAPP, startFakeMetaGraph } from '../../test/fakes/meta-graph.ts';
import { FAKE_BOT_TOKEN, startFakeTelegram } from '../../test/fakes/telegram-api.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  startFakeTwilio,
} from '../../test/fakes/twilio-api.ts';
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

const store = await openStore({ databaseUrl, dataDir });
const telegram = await startFakeTelegram();
const graph = await startFakeMetaGraph();
const twilio = await startFakeTwilio();
const config = parseConfig({
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  PUBLIC_URL,
  TELEGRAM_API_ROOT: telegram.apiRoot,
  META_GRAPH_API_URL: graph.baseUrl,
  TWILIO_API_BASE_URL: twilio.baseUrl,
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
async function configure(channel: string, payload: Record<string, string>): Promise<void> {
  const configured = await app.inject({
    method: 'PUT',
    url: `/admin/connector-hub/${channel}/config`,
    headers: { authorization: `Bearer ${tenant.apiToken}` },
    payload,
  });
  if (configured.statusCode !== 200) throw new Error(`configuring ${channel} failed: ${configured.body}`);
}
await configure('telegram', { bot_token: FAKE_BOT_TOKEN });
await configure('whatsapp', {
  phone_number_id: FAKE_WHATSAPP.phoneNumberId,
  access_token: FAKE_WHATSAPP.accessToken,
  verify_token: 'bench-verify-token',
  app_secret: FAKE_APP_SECRET,
});
await configure('sms', {
  account_sid: FAKE_ACCOUNT_SID,
  auth_token: FAKE_AUTH_TOKEN,
  sms_number: FAKE_SMS_NUMBER,
});
const registration = telegram.calls.findLast((call) => call.method === 'setWebhook');
if (!registration) throw new Error('the gateway did not call setWebhook');

await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({
  port: (app.server.address() as AddressInfo).port,
  slug,
  secret: String(registration.body.secret_token),
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
  await telegram.close();
  await graph.close();
  await twilio.close();
  await rm(dataDir, { recursive: true, force: true });
  return report;
});
