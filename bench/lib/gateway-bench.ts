import { createPostgresDatabase } from '../../test/support/database.ts';
import type { GatewayReady, GatewayReport } from '../servers/gateway.ts';
import { startServerChild } from './child.ts';
import { type LoadResult, runLoad } from './load.ts';
import { type Measurement, measurementOf } from './measurement.ts';
import type { BenchOptions } from './options.ts';
import { chatOf, providerMessageIdOf, updateBody } from './updates.ts';

/** Redelivery cycles over this many already stored updates. */
const REDELIVERED_UPDATES = 1_000;

/** What the database held afterwards, checked against what the gateway acknowledged. */
export interface Verification {
  database: string;
  /** Distinct updates acknowledged 200 with `stored: 1`. */
  acknowledged: number;
  /** Messages the database holds for the bench tenant. */
  storedMessages: number;
  /** Sent when a run stopped and never answered; the gateway may have stored them. */
  unansweredAtStop: number;
  storedButUnanswered: number;
  /** Acknowledged but not in the database: must be 0. */
  acknowledgedButMissing: number;
  /** In the database but never sent: must be 0. */
  storedButNeverSent: number;
  /** Answers that were not 200 with the expected stored/duplicates counts: must be 0. */
  wrongAnswers: number;
  /** Connection errors and timeouts over all runs, warm-ups included: must be 0. */
  transportErrors: number;
  respondJobs: number;
  conversations: number;
  contacts: number;
  chatsWithMessages: number;
  passed: boolean;
}

export interface GatewayResults {
  distinct: Measurement;
  duplicates: Measurement;
  verification: Verification;
}

/**
 * The gateway in its own process: a measured run of distinct updates (each a new message),
 * then a measured run redelivering updates already stored (each a duplicate), then a check
 * that the database holds exactly what was acknowledged.
 */
export async function benchGateway(options: BenchOptions, postgresUrl?: string): Promise<GatewayResults> {
  // A scratch database on the PostgreSQL server, as the tests use, dropped afterwards.
  const scratch = postgresUrl ? await createPostgresDatabase(postgresUrl) : undefined;
  try {
    return await measureGateway(options, scratch?.url);
  } finally {
    await scratch?.drop();
  }
}

async function measureGateway(options: BenchOptions, databaseUrl?: string): Promise<GatewayResults> {
  const server = await startServerChild<GatewayReady, GatewayReport>(
    new URL('../servers/gateway.ts', import.meta.url),
    {
      env: { BENCH_DATABASE_URL: databaseUrl ?? '', BENCH_LOG_LEVEL: options.logLevel },
      execArgv: options.cpuProfile ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles'] : [],
    },
  );
  const { port, slug, secret, dialect } = server.ready;
  const target = {
    url: `http://127.0.0.1:${port}/webhook/telegram/${slug}`,
    connections: options.connections,
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
  };

  const acknowledged = new Set<number>();
  const unanswered = new Set<number>();
  let wrongAnswers = 0;
  let transportErrors = 0;
  const counted = (load: LoadResult) => {
    transportErrors += load.errors;
    return load;
  };
  let lastUpdateId = 0;
  const distinctLoad = async (durationSeconds: number) => {
    const load = await runLoad({
      ...target,
      durationSeconds,
      nextRequest() {
        lastUpdateId += 1;
        return { id: lastUpdateId, body: updateBody(lastUpdateId, options.chats) };
      },
      onAnswer(id, status, body) {
        if (status === 200 && body.includes('"stored":1,')) acknowledged.add(id);
        else wrongAnswers += 1;
      },
    });
    for (const id of load.unanswered) unanswered.add(id);
    return counted(load);
  };

  let redelivered: number[] = [];
  let nextRedelivery = 0;
  const duplicateLoad = async (durationSeconds: number) =>
    counted(
      await runLoad({
        ...target,
        durationSeconds,
        nextRequest() {
          const id = redelivered[nextRedelivery % redelivered.length]!;
          nextRedelivery += 1;
          return { id, body: updateBody(id, options.chats) };
        },
        onAnswer(_id, status, body) {
          if (status !== 200 || !body.includes('"stored":0,"duplicates":1')) wrongAnswers += 1;
        },
      }),
    );

  let distinct: LoadResult;
  let duplicates: LoadResult;
  let report: GatewayReport;
  try {
    if (options.warmupSeconds > 0) await distinctLoad(options.warmupSeconds);
    distinct = await distinctLoad(options.durationSeconds);
    redelivered = [...acknowledged].slice(0, REDELIVERED_UPDATES);
    if (redelivered.length === 0) throw new Error('the gateway acknowledged no update; nothing to redeliver');
    if (options.warmupSeconds > 0) await duplicateLoad(Math.min(options.warmupSeconds, 2));
    duplicates = await duplicateLoad(options.durationSeconds);
  } finally {
    // Closing waits for pending writes, so the report sees everything that will be stored.
    report = await server.finish();
  }

  const database = databaseUrl ? `${dialect} (scratch database)` : `${dialect} (temporary file)`;
  return {
    distinct: measurementOf(
      `C. gateway, distinct updates (${dialect})`,
      'POST /webhook/telegram/<slug>: secret checked, parsed, deduped, message + respond job committed, then 200',
      distinct,
    ),
    duplicates: measurementOf(
      `D. gateway, redelivered updates (${dialect})`,
      `the same path, each update already stored (cycling over ${redelivered.length}): dedupe hit, nothing written`,
      duplicates,
    ),
    verification: verify(database, report, {
      acknowledged,
      unanswered,
      wrongAnswers,
      transportErrors,
      chats: options.chats,
    }),
  };
}

function verify(
  database: string,
  report: GatewayReport,
  observed: {
    acknowledged: Set<number>;
    unanswered: Set<number>;
    wrongAnswers: number;
    transportErrors: number;
    chats: number;
  },
): Verification {
  const { acknowledged, unanswered, wrongAnswers, transportErrors, chats } = observed;
  const stored = new Set(report.providerMessageIds);
  const sentButUnanswered = new Set([...unanswered].map((id) => providerMessageIdOf(id, chats)));
  const acknowledgedIds = new Set([...acknowledged].map((id) => providerMessageIdOf(id, chats)));
  const acknowledgedButMissing = [...acknowledgedIds].filter((id) => !stored.has(id)).length;
  const notAcknowledged = [...stored].filter((id) => !acknowledgedIds.has(id));
  const storedButUnanswered = notAcknowledged.filter((id) => sentButUnanswered.has(id)).length;
  const storedButNeverSent = notAcknowledged.length - storedButUnanswered;
  const chatsWithMessages = new Set([...stored].map((id) => id.split(':')[0])).size;
  const expectedChats = new Set([...acknowledged].map((id) => chatOf(id, chats))).size;
  return {
    database,
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
    contacts: report.contacts,
    chatsWithMessages,
    passed:
      acknowledgedButMissing === 0 &&
      storedButNeverSent === 0 &&
      wrongAnswers === 0 &&
      transportErrors === 0 &&
      stored.size === report.providerMessageIds.length &&
      report.jobs === report.providerMessageIds.length &&
      report.conversations === chatsWithMessages &&
      report.contacts === chatsWithMessages &&
      chatsWithMessages >= expectedChats,
  };
}
