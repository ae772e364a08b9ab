/**
 * `npm run soak`: a chaos soak of two gateway processes on one PostgreSQL database.
 *
 * Sustained webhook traffic on every text channel goes to either process; the provider fakes
 * answer a share of sends with 429 or 5xx, and a proxy in front of each holds a share of its
 * answers back (late acknowledgements); SOAK_KILLS times, at a random moment, one process is
 * killed with SIGKILL and started again. A webhook that got no 2xx is sent again, as
 * providers do. At the end every acknowledged message must be stored once, every reply sent
 * or visibly dead-lettered, no job left queued or running, no lease held by a dead process;
 * replies accepted twice by a provider are counted and allowed only up to the number of
 * at-least-once windows the soak opened (a kill during a send, see the README). Prints the
 * figures; exits non-zero when a check fails.
 *
 * Environment: SOAK_KILLS (20), SOAK_RATE (messages per second, 12), SOAK_FAULT_SHARE (share of
 * sends failed, 0.15), SOAK_LATE_SHARE (share of answers held back, 0.1), DATABASE_URL (a
 * PostgreSQL server; otherwise a private throwaway one).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generateKeySpecification } from '../../src/connectors/key-ring.ts';
import { startFakeMetaGraph } from '../../test/fakes/meta-graph.ts';
import { startFakePostmark } from '../../test/fakes/postmark-api.ts';
import { startFakeTelegram } from '../../test/fakes/telegram-api.ts';
import { startFakeTwilio } from '../../test/fakes/twilio-api.ts';
import { createPostgresDatabase } from '../../test/support/database.ts';
import { ADMIN_TOKEN } from '../../test/support/gateway.ts';
import { crashTestEnvironment, type GatewayProcess, spawnGateway } from '../../test/support/process.ts';
import { startPrivatePostgres } from '../test/private-postgres.ts';
import {
  acceptedSends,
  type Credentials,
  channelConfigs,
  type Fakes,
  failNextSend,
  markerOf,
  SOAK_CHANNELS,
  type SoakChannel,
  webhookFor,
} from './channels.ts';
import { startLateProxy } from './late-proxy.ts';

const PUBLIC_URL = 'https://gateway.test';
const SLUG = 'soak';
const DRAIN_TIMEOUT_MS = 300_000;
// Webhook requests in flight at once, across both processes.
const SENDERS = 8;
// A start under load (a busy CI machine) can take longer than the tests wait.
const START_TIMEOUT_MS = 90_000;

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};
const kills = number('SOAK_KILLS', 20);
const rate = number('SOAK_RATE', 12);
const faultShare = number('SOAK_FAULT_SHARE', 0.15);
const lateShare = number('SOAK_LATE_SHARE', 0.1);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stdout.write(`[soak] ${line}\n`);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

interface Pending {
  channel: SoakChannel;
  n: number;
  attempts: number;
}

async function main(): Promise<number> {
  const privateServer = process.env.DATABASE_URL ? undefined : await startPrivatePostgres();
  const serverUrl = process.env.DATABASE_URL ?? privateServer!.url;
  const database = await createPostgresDatabase(serverUrl);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-soak-'));
  const fakes: Fakes = {
    telegram: await startFakeTelegram(),
    graph: await startFakeMetaGraph(),
    twilio: await startFakeTwilio(),
    postmark: await startFakePostmark(),
  };
  const proxies = await Promise.all(
    [fakes.telegram.apiRoot, fakes.graph.baseUrl, fakes.twilio.baseUrl, fakes.postmark.url].map((target) =>
      startLateProxy({ target, maxDelayMs: 2_000 }),
    ),
  );
  const [telegramProxy, graphProxy, twilioProxy, postmarkProxy] = proxies as [
    (typeof proxies)[0],
    (typeof proxies)[0],
    (typeof proxies)[0],
    (typeof proxies)[0],
  ];
  const environment = {
    ...crashTestEnvironment({ databaseUrl: database.url, dataDir, telegramApiRoot: telegramProxy.url }),
    // One key for every process and restart: they all read the same encrypted configuration.
    SWITCHBOARD_SECRET_KEY: generateKeySpecification(),
    PUBLIC_URL,
    META_GRAPH_API_URL: graphProxy.url,
    TWILIO_API_BASE_URL: twilioProxy.url,
    POSTMARK_API_URL: postmarkProxy.url,
    WORKER_CONCURRENCY: '4',
    // Long enough that a late acknowledgement (up to 2 s) on a busy machine does not outlive
    // the lease and hand the send to the other process; short enough to recover from a kill.
    JOB_LEASE_MS: '5000',
  };
  const gateways: (GatewayProcess | undefined)[] = [undefined, undefined];
  const killedAt: number[] = [];
  const started = Date.now();

  try {
    gateways[0] = await spawnGateway(environment, START_TIMEOUT_MS);
    const credentials = await setUp(gateways[0].url, fakes);
    gateways[1] = await spawnGateway(environment, START_TIMEOUT_MS);
    log(`two gateways on PostgreSQL (${new URL(database.url).host}), ${SOAK_CHANNELS.length} channels`);
    // Chaos starts once the channels are configured: setup calls are not what is soaked.
    for (const proxy of proxies) proxy.setShare(lateShare);

    let running = true;
    const sent = new Map<SoakChannel, number>(SOAK_CHANNELS.map((channel) => [channel, 0]));
    const acknowledged = new Set<string>();
    const pending: Pending[] = [];
    let retried = 0;
    // Webhook answers by status (or the error that stood for one), and the first refusal's body.
    const answers = new Map<string, number>();
    let firstRefusal: string | undefined;
    let faults = 0;

    const deliver = async (message: Pending) => {
      const gateway = pick(
        gateways.filter((candidate): candidate is GatewayProcess => candidate !== undefined),
      );
      const request = webhookFor(message.channel, message.n, SLUG, PUBLIC_URL, credentials);
      const ok = await fetch(`${gateway.url}${request.path}`, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(30_000),
      }).then(
        async (response) => {
          const outcome = String(response.status);
          answers.set(outcome, (answers.get(outcome) ?? 0) + 1);
          if (!response.ok && !firstRefusal)
            firstRefusal = `${message.channel}: ${response.status} ${await response.text()}`;
          return response.ok;
        },
        (error: Error) => {
          answers.set(error.name, (answers.get(error.name) ?? 0) + 1);
          return false;
        },
      );
      if (ok) acknowledged.add(markerOf(message.channel, message.n));
      else {
        message.attempts += 1;
        retried += 1;
        // As a provider does: try again a little later.
        await sleep(250);
        pending.push(message);
      }
    };

    // New messages at the configured rate, round-robin over the channels.
    const traffic = (async () => {
      let index = 0;
      while (running) {
        const channel = SOAK_CHANNELS[index % SOAK_CHANNELS.length]!;
        index += 1;
        const n = (sent.get(channel) ?? 0) + 1;
        sent.set(channel, n);
        pending.push({ channel, n, attempts: 0 });
        await sleep(1000 / rate);
      }
    })();
    // A bounded number of connections, as a provider's delivery workers: a slow gateway builds
    // a backlog instead of a pile of open requests.
    let redeliverUntil = Number.POSITIVE_INFINITY;
    const senders = Array.from({ length: SENDERS }, async () => {
      while ((running || pending.length > 0) && Date.now() < redeliverUntil) {
        const message = pending.shift();
        if (message) await deliver(message);
        else await sleep(20);
      }
    });

    const chaos = (async () => {
      while (running) {
        for (const channel of SOAK_CHANNELS) {
          if (Math.random() < faultShare) {
            failNextSend(channel, fakes, pick([429, 500, 503]));
            faults += 1;
          }
        }
        await sleep(1000);
      }
    })();

    for (let round = 1; round <= kills; round += 1) {
      await sleep(500 + Math.random() * 2_500);
      const victim = Math.floor(Math.random() * gateways.length);
      const gateway = gateways[victim]!;
      gateways[victim] = undefined;
      await gateway.stop('SIGKILL');
      killedAt.push(Date.now());
      gateways[victim] = await spawnGateway(environment, START_TIMEOUT_MS);
      log(`round ${round}/${kills}: killed process ${victim + 1} with SIGKILL, restarted`);
    }
    running = false;
    await Promise.all([traffic, chaos]);
    for (const proxy of proxies) proxy.setShare(0);
    log(
      `traffic stopped: ${acknowledged.size} acknowledged, ${pending.length} waiting; redelivering, then draining`,
    );
    // Every message a provider was not told was stored is sent again until it is.
    redeliverUntil = Date.now() + 120_000;
    await Promise.all(senders);

    log(`webhook answers: ${[...answers].map(([outcome, count]) => `${outcome} ×${count}`).join(', ')}`);
    if (firstRefusal) log(`first refusal: ${firstRefusal.slice(0, 300)}`);
    const drained = await drain(database.url);
    const report = await verify({
      databaseUrl: database.url,
      fakes,
      sent,
      acknowledged,
      unacknowledged: pending.length,
      kills: killedAt.length,
      drained,
      retried,
      faults,
      late: proxies.reduce((sum, proxy) => sum + proxy.late, 0),
      seconds: Math.round((Date.now() - started) / 1000),
    });
    return report ? 0 : 1;
  } finally {
    await Promise.all(gateways.map((gateway) => gateway?.stop('SIGTERM')));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await Promise.all(Object.values(fakes).map((fake) => fake.close()));
    await database.drop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
    await privateServer?.stop();
  }
}

/** Creates the soak tenant and configures every channel through the admin API of `url`. */
async function setUp(url: string, fakes: Fakes): Promise<Credentials> {
  const call = async (method: string, route: string, token: string, body: unknown) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${route} failed: ${JSON.stringify(json)}`);
    return json;
  };
  const tenant = await call('POST', '/admin/tenants', ADMIN_TOKEN, { slug: SLUG, name: 'Soak' });
  const token = String(tenant.apiToken);
  let emailAuthorization = '';
  for (const channel of SOAK_CHANNELS) {
    const saved = await call('PUT', `/admin/connector-hub/${channel}/config`, token, channelConfigs[channel]);
    const inbound = (saved.reveal as { inbound_webhook_url?: string } | undefined)?.inbound_webhook_url;
    if (inbound) {
      const address = new URL(inbound);
      const user = decodeURIComponent(address.username);
      const password = decodeURIComponent(address.password);
      emailAuthorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
  }
  const registration = fakes.telegram.calls.findLast((call) => call.method === 'setWebhook');
  if (!registration || !emailAuthorization)
    throw new Error('setup did not register the Telegram and email webhooks');
  return { telegramSecret: String(registration.body.secret_token), emailAuthorization };
}

/** Waits until no job is queued or running; returns how long that took, or undefined if it never happened. */
async function drain(databaseUrl: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const start = Date.now();
  try {
    while (Date.now() - start < DRAIN_TIMEOUT_MS) {
      const open = await client.query(
        `SELECT COUNT(*)::int AS n FROM "jobs" WHERE "status" IN ('queued', 'running')`,
      );
      if (open.rows[0].n === 0) return Date.now() - start;
      await sleep(500);
    }
    return undefined;
  } finally {
    await client.end();
  }
}

async function verify(figures: {
  databaseUrl: string;
  fakes: Fakes;
  sent: Map<SoakChannel, number>;
  acknowledged: Set<string>;
  unacknowledged: number;
  kills: number;
  drained: number | undefined;
  retried: number;
  faults: number;
  late: number;
  seconds: number;
}): Promise<boolean> {
  const client = new pg.Client({ connectionString: figures.databaseUrl });
  await client.connect();
  try {
    const inbound = await client.query<{ channel: string; text: string; copies: number }>(
      `SELECT "channel", "text", COUNT(*)::int AS copies FROM "messages" WHERE "direction" = 'inbound' GROUP BY "channel", "text"`,
    );
    const stored = new Map(inbound.rows.map((row) => [row.text, row.copies]));
    const outbox = await client.query<{ channel: string; status: string; n: number }>(
      `SELECT "channel", "status", COUNT(*)::int AS n FROM "outbox" GROUP BY "channel", "status"`,
    );
    const repliesPerConversation = await client.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM "conversations" c WHERE NOT EXISTS
         (SELECT 1 FROM "messages" m WHERE m."conversationId" = c."id" AND m."direction" = 'outbound')`,
    );
    const deadVisible = await client.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM "outbox" o JOIN "messages" m ON m."id" = o."messageId"
         WHERE o."status" = 'dead' AND (m."status" <> 'failed' OR m."error" IS NULL)`,
    );
    const open = await client.query<{ status: string; n: number; leased: number }>(
      `SELECT "status", COUNT(*)::int AS n, COUNT("lockedBy")::int AS leased FROM "jobs"
         WHERE "status" IN ('queued', 'running') GROUP BY "status"`,
    );

    const checks: Array<[string, boolean]> = [];
    const lines: string[] = [];
    let duplicates = 0;
    for (const channel of SOAK_CHANNELS) {
      const total = figures.sent.get(channel) ?? 0;
      let missing = 0;
      let doubled = 0;
      for (let n = 1; n <= total; n += 1) {
        const marker = markerOf(channel, n);
        if (!figures.acknowledged.has(marker)) continue;
        const copies = stored.get(marker) ?? 0;
        if (copies === 0) missing += 1;
        if (copies > 1) doubled += 1;
      }
      const byStatus = (status: string) =>
        outbox.rows.find((row) => row.channel === channel && row.status === status)?.n ?? 0;
      const sentRows = byStatus('sent');
      const accepted = acceptedSends(channel, figures.fakes);
      duplicates += Math.max(0, accepted - sentRows);
      lines.push(
        `${channel.padEnd(9)} sent ${String(total).padStart(5)}  stored ${String(total - missing).padStart(5)}  ` +
          `replies sent ${String(sentRows).padStart(5)}  dead ${String(byStatus('dead')).padStart(3)}  ` +
          `unfinished ${byStatus('pending') + byStatus('sending')}  provider accepted ${accepted}`,
      );
      checks.push([`${channel}: every acknowledged message stored`, missing === 0]);
      checks.push([`${channel}: no message stored twice`, doubled === 0]);
      checks.push([
        `${channel}: every reply sent or dead-lettered`,
        byStatus('pending') + byStatus('sending') === 0,
      ]);
    }
    checks.push(['every webhook acknowledged in the end', figures.unacknowledged === 0]);
    checks.push(['every conversation has its reply', repliesPerConversation.rows[0]!.n === 0]);
    checks.push([
      'every dead letter visible on its message (failed, with the reason)',
      deadVisible.rows[0]!.n === 0,
    ]);
    checks.push(['the queue drained: no job queued or running', figures.drained !== undefined]);
    checks.push(['no lease held', open.rows.every((row) => row.leased === 0)]);
    checks.push([
      `replies accepted twice (${duplicates}) within the at-least-once windows opened by kills (${figures.kills})`,
      duplicates <= figures.kills,
    ]);

    log(
      `${figures.seconds} s, ${figures.kills} SIGKILLs, ${figures.faults} provider faults, ${figures.late} late acknowledgements`,
    );
    log(`${figures.acknowledged.size} messages acknowledged, ${figures.retried} webhook deliveries retried`);
    log(
      `queue drained ${figures.drained === undefined ? `NOT within ${DRAIN_TIMEOUT_MS / 1000} s` : `${figures.drained} ms after traffic stopped`}`,
    );
    for (const line of lines) log(line);
    for (const [name, ok] of checks) log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
    return checks.every(([, ok]) => ok);
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[soak] ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
