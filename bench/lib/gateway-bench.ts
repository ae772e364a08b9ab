import { generateKeySpecification } from '../../src/connectors/key-ring.ts';
import { createPostgresDatabase } from '../../test/support/database.ts';
import type { ChannelReport, GatewayReady, GatewayReport } from '../servers/gateway.ts';
import {
  smsBody,
  smsSenderOf,
  smsSidOf,
  WHATSAPP_BATCH_SIZE,
  whatsappBatch,
  whatsappMessageIdsOf,
  whatsappSenderOf,
} from './channel-bodies.ts';
import { startServerChild } from './child.ts';
import { type LoadOptions, type LoadResult, mergeLoads, runLoad } from './load.ts';
import { type Measurement, measurementOf } from './measurement.ts';
import type { BenchOptions } from './options.ts';
import { cpuMs } from './proc.ts';
import { providerMessageIdOf, updateBody } from './updates.ts';

/** Redelivery cycles over this many already stored updates. */
const REDELIVERED_UPDATES = 1_000;

/** What the database held afterwards, checked against what the gateway acknowledged. */
export interface Verification {
  database: string;
  channel: string;
  /** Distinct messages acknowledged: 200 with every message stored (SMS: 200 with `<Response/>`). */
  acknowledged: number;
  /** Messages the database holds for the bench tenant on this channel. */
  storedMessages: number;
  /** Messages in requests cut off unanswered when a run stopped; the gateway may have stored them. */
  unansweredAtStop: number;
  storedButUnanswered: number;
  /** Acknowledged but not in the database: must be 0. */
  acknowledgedButMissing: number;
  /** In the database but never sent: must be 0. */
  storedButNeverSent: number;
  /** Answers that were not 200 with the expected stored/duplicates counts: must be 0. */
  wrongAnswers: number;
  /** Connection errors and timeouts over this channel's runs, warm-ups included: must be 0. */
  transportErrors: number;
  respondJobs: number;
  conversations: number;
  /** Channel identities (senders) on this channel; the tenant's contacts must equal all channels' identities. */
  contacts: number;
  chatsWithMessages: number;
  passed: boolean;
}

export interface GatewayResults {
  /** Telegram, when it ran. */
  distinct?: Measurement;
  duplicates?: Measurement;
  /** All measured runs, in order. */
  measurements: Measurement[];
  verifications: Verification[];
}

/**
 * The gateway in its own process: for Telegram a measured run of distinct updates (each a
 * new message), then a measured run redelivering updates already stored (each a duplicate);
 * then a run of WhatsApp Cloud batches and one of Twilio SMS, all distinct; then a check per
 * channel that the database holds exactly what was acknowledged. With `processes` above 1
 * (PostgreSQL), that many gateway processes share the database and the connections are split
 * evenly over them.
 */
export async function benchGateway(
  options: BenchOptions,
  postgresUrl?: string,
  processes = 1,
): Promise<GatewayResults> {
  // A scratch database on the PostgreSQL server, as the tests use, dropped afterwards.
  const scratch = postgresUrl ? await createPostgresDatabase(postgresUrl) : undefined;
  try {
    return await measureGateway(options, scratch?.url, processes);
  } finally {
    await scratch?.drop();
  }
}

/** What one channel's runs saw, in provider message ids. */
interface Observed {
  acknowledged: Set<string>;
  unanswered: Set<string>;
  wrongAnswers: number;
  transportErrors: number;
  /** The chat (sender) a provider message id belongs to. */
  chatOf(providerMessageId: string): string;
}

function observed(chatOfId: (providerMessageId: string) => string): Observed {
  return {
    acknowledged: new Set(),
    unanswered: new Set(),
    wrongAnswers: 0,
    transportErrors: 0,
    chatOf: chatOfId,
  };
}

async function measureGateway(
  options: BenchOptions,
  databaseUrl: string | undefined,
  processes: number,
): Promise<GatewayResults> {
  // Every process decrypts the tenant's channel secrets, so they share one key.
  const environment = {
    BENCH_DATABASE_URL: databaseUrl ?? '',
    BENCH_LOG_LEVEL: options.logLevel,
    BENCH_SECRET_KEY: generateKeySpecification(),
  };
  const startServer = (attach: boolean) =>
    startServerChild<GatewayReady, GatewayReport>(new URL('../servers/gateway.ts', import.meta.url), {
      env: { ...environment, ...(attach ? { BENCH_ATTACH: '1' } : {}) },
      execArgv: options.cpuProfile ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles'] : [],
    });
  const server = await startServer(false);
  const attached: Array<Awaited<ReturnType<typeof startServer>>> = [];
  for (let index = 1; index < processes; index += 1) attached.push(await startServer(true));
  const { slug, secret, dialect: databaseDialect, publicUrl } = server.ready;
  const dialect = processes > 1 ? `${databaseDialect}, ${processes} processes` : databaseDialect;
  const origins = [server, ...attached].map((child) => `http://127.0.0.1:${child.ready.port}`);
  /** One load, its connections spread evenly over the processes, as one result. */
  const spreadLoad = async (path: string, load: Omit<LoadOptions, 'url' | 'connections'>) =>
    mergeLoads(
      await Promise.all(
        origins.map((origin, index) =>
          runLoad({
            ...load,
            url: `${origin}${path}`,
            connections: Math.floor((options.connections + index) / origins.length),
          }),
        ),
      ),
    );
  const telegramPath = `/webhook/telegram/${slug}`;
  const target = {
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
  };
  const { chats } = options;
  const seen: Record<string, Observed> = {
    telegram: observed((id) => id.split(':')[0]!),
    // wamid.bench.<batch>.<index>
    whatsapp: observed((id) => {
      const [, , batch, index] = id.split('.');
      return whatsappSenderOf(Number(batch), Number(index), chats);
    }),
    sms: observed((sid) => smsSenderOf(Number.parseInt(sid.slice(2), 16), chats)),
  };
  const counted = (channel: string, load: LoadResult) => {
    const channelSeen = seen[channel]!;
    channelSeen.transportErrors += load.errors;
    return load;
  };
  const telegram = seen.telegram!;
  const whatsapp = seen.whatsapp!;
  const sms = seen.sms!;

  let lastUpdateId = 0;
  const distinctLoad = async (durationSeconds: number) => {
    const load = await spreadLoad(telegramPath, {
      ...target,
      durationSeconds,
      nextRequest() {
        lastUpdateId += 1;
        return { id: lastUpdateId, body: updateBody(lastUpdateId, chats) };
      },
      onAnswer(id, status, body) {
        if (status === 200 && body.includes('"stored":1,'))
          telegram.acknowledged.add(providerMessageIdOf(id, chats));
        else telegram.wrongAnswers += 1;
      },
    });
    for (const id of load.unanswered) telegram.unanswered.add(providerMessageIdOf(id, chats));
    return counted('telegram', load);
  };

  let redelivered: number[] = [];
  let nextRedelivery = 0;
  const duplicateLoad = async (durationSeconds: number) =>
    counted(
      'telegram',
      await spreadLoad(telegramPath, {
        ...target,
        durationSeconds,
        nextRequest() {
          const id = redelivered[nextRedelivery % redelivered.length]!;
          nextRedelivery += 1;
          return { id, body: updateBody(id, chats) };
        },
        onAnswer(_id, status, body) {
          if (status !== 200 || !body.includes('"stored":0,"duplicates":1')) telegram.wrongAnswers += 1;
        },
      }),
    );

  let lastBatch = 0;
  const whatsappLoad = async (durationSeconds: number) => {
    const load = await spreadLoad(`/webhook/whatsapp/${slug}`, {
      headers: { 'content-type': 'application/json' },
      durationSeconds,
      nextRequest() {
        lastBatch += 1;
        const { body, signature } = whatsappBatch(lastBatch, chats);
        return { id: lastBatch, body, headers: { 'x-hub-signature-256': signature } };
      },
      onAnswer(id, status, body) {
        if (status === 200 && body.includes(`"stored":${WHATSAPP_BATCH_SIZE},`))
          for (const messageId of whatsappMessageIdsOf(id)) whatsapp.acknowledged.add(messageId);
        else whatsapp.wrongAnswers += 1;
      },
    });
    for (const id of load.unanswered)
      for (const messageId of whatsappMessageIdsOf(id)) whatsapp.unanswered.add(messageId);
    return counted('whatsapp', load);
  };

  let lastSms = 0;
  const smsPath = `/webhook/sms/${slug}`;
  const smsLoad = async (durationSeconds: number) => {
    const load = await spreadLoad(smsPath, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      durationSeconds,
      nextRequest() {
        lastSms += 1;
        const { body, signature } = smsBody(lastSms, chats, `${publicUrl}${smsPath}`);
        return { id: lastSms, body, headers: { 'x-twilio-signature': signature } };
      },
      onAnswer(id, status, body) {
        // Twilio gets TwiML back, not counts: 200 means committed.
        if (status === 200 && body.includes('<Response')) sms.acknowledged.add(smsSidOf(id));
        else sms.wrongAnswers += 1;
      },
    });
    for (const id of load.unanswered) sms.unanswered.add(smsSidOf(id));
    return counted('sms', load);
  };

  // The gateways' CPU time is read around the measured run only, not its warm-up.
  const gatewaysCpuMs = async () =>
    (await Promise.all([server, ...attached].map((child) => cpuMs(child.pid)))).reduce(
      (sum, value) => sum + value,
      0,
    );
  const measured = async (run: (seconds: number) => Promise<LoadResult>, warmupSeconds: number) => {
    if (warmupSeconds > 0) await run(warmupSeconds);
    const before = await gatewaysCpuMs();
    const load = await run(options.durationSeconds);
    return { ...load, serverCpuMs: (await gatewaysCpuMs()) - before };
  };

  type MeasuredLoad = LoadResult & { serverCpuMs: number };
  const runs: { channel: string; load: MeasuredLoad }[] = [];
  let distinct: MeasuredLoad | undefined;
  let duplicates: MeasuredLoad | undefined;
  let report: GatewayReport;
  try {
    if (options.only.includes('gateway')) {
      distinct = await measured(distinctLoad, options.warmupSeconds);
      redelivered = [...telegram.acknowledged]
        .slice(0, REDELIVERED_UPDATES)
        .map((id) => Number(id.split(':')[1]));
      if (redelivered.length === 0)
        throw new Error('the gateway acknowledged no update; nothing to redeliver');
      duplicates = await measured(duplicateLoad, Math.min(options.warmupSeconds, 2));
    }
    if (options.only.includes('whatsapp'))
      runs.push({ channel: 'whatsapp', load: await measured(whatsappLoad, options.warmupSeconds) });
    if (options.only.includes('sms'))
      runs.push({ channel: 'sms', load: await measured(smsLoad, options.warmupSeconds) });
  } finally {
    // Closing waits for pending writes, so the report sees everything that will be stored;
    // the first process reports once the others have closed.
    for (const child of attached) await child.finish();
    report = await server.finish();
  }

  const database = databaseUrl ? `${dialect} (scratch database)` : `${dialect} (temporary file)`;
  const measurements: Measurement[] = [];
  const results: GatewayResults = { measurements, verifications: [] };
  if (distinct && duplicates) {
    results.distinct = measurementOf(
      `C. gateway, distinct updates (${dialect})`,
      'POST /webhook/telegram/<slug>: secret checked, parsed, deduped, message + respond job committed, then 200',
      distinct,
    );
    results.duplicates = measurementOf(
      `D. gateway, redelivered updates (${dialect})`,
      `the same path, each update already stored (cycling over ${redelivered.length}): dedupe hit, nothing written`,
      duplicates,
    );
    measurements.push(results.distinct, results.duplicates);
  }
  for (const { channel, load } of runs) {
    measurements.push(
      channel === 'whatsapp'
        ? {
            ...measurementOf(
              `E. gateway, WhatsApp Cloud batches of ${WHATSAPP_BATCH_SIZE} (${dialect})`,
              `POST /webhook/whatsapp/<slug>: X-Hub-Signature-256 checked, a Meta batch of ${WHATSAPP_BATCH_SIZE} new text messages from rotating senders parsed, deduped, messages + respond jobs committed, then 200`,
              load,
            ),
            messagesPerRequest: WHATSAPP_BATCH_SIZE,
          }
        : measurementOf(
            `F. gateway, Twilio SMS (${dialect})`,
            'POST /webhook/sms/<slug>: form body, X-Twilio-Signature checked, one new message (distinct MessageSid) deduped, message + respond job committed, then 200 <Response/>',
            load,
          ),
    );
  }
  const identities = Object.values(report.channels).reduce((sum, channel) => sum + channel.identities, 0);
  const tenantWide = { contactsMatch: report.contacts === identities, jobs: report.jobs };
  const ran = [...(distinct ? ['telegram'] : []), ...runs.map((run) => run.channel)];
  for (const channel of ran)
    results.verifications.push(
      verify(database, channel, report.channels[channel]!, seen[channel]!, tenantWide),
    );
  return results;
}

function verify(
  database: string,
  channel: string,
  report: ChannelReport,
  observed: Observed,
  tenantWide: { contactsMatch: boolean },
): Verification {
  const { acknowledged, unanswered, wrongAnswers, transportErrors, chatOf } = observed;
  const stored = new Set(report.providerMessageIds);
  const acknowledgedButMissing = [...acknowledged].filter((id) => !stored.has(id)).length;
  const notAcknowledged = [...stored].filter((id) => !acknowledged.has(id));
  const storedButUnanswered = notAcknowledged.filter((id) => unanswered.has(id)).length;
  const storedButNeverSent = notAcknowledged.length - storedButUnanswered;
  const chatsWithMessages = new Set([...stored].map(chatOf)).size;
  const expectedChats = new Set([...acknowledged].map(chatOf)).size;
  return {
    database,
    channel,
    acknowledged: acknowledged.size,
    storedMessages: report.providerMessageIds.length,
    unansweredAtStop: unanswered.size,
    storedButUnanswered,
    acknowledgedButMissing,
    storedButNeverSent,
    wrongAnswers,
    transportErrors,
    respondJobs: report.jobs,
    conversations: report.conversations,
    contacts: report.identities,
    chatsWithMessages,
    passed:
      acknowledgedButMissing === 0 &&
      storedButNeverSent === 0 &&
      wrongAnswers === 0 &&
      transportErrors === 0 &&
      stored.size === report.providerMessageIds.length &&
      report.jobs === report.providerMessageIds.length &&
      report.conversations === chatsWithMessages &&
      report.identities === chatsWithMessages &&
      tenantWide.contactsMatch &&
      chatsWithMessages >= expectedChats,
  };
}
