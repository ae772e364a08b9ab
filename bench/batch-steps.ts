/**
 * What one group-commit batch costs, without HTTP: `ingestBatch` on a fresh SQLite file (or
 * on a scratch PostgreSQL database with DATABASE_URL) with batches of distinct Telegram-shaped
 * messages spread over 1,000 chats (created in a warm-up, then reused). The same batches run
 * with more and more of the gateway's follow-up work in the storing transaction, so each
 * line's difference to the one before is what that work costs: nothing (the messages' own
 * driver statements), the respond jobs, the `message_received` events, the check for closed
 * conversations to reopen, the workspace's live events (`message.created`, a NOTIFY on
 * PostgreSQL): the last is the gateway's own `onStored` (src/server/app.ts). Besides the wall time it reports the CPU time of this process
 * per batch, which a machine busy with other work distorts far less. The configurations take turns, batch by batch, so that drift in
 * the machine's load falls on all of them.
 *
 *   npx tsx bench/batch-steps.ts [batch size, default 50] [batches per configuration, default 60]
 */
import { createTracker } from '../src/analytics/tracker.ts';
import { systemClock } from '../src/core/clock.ts';
import { reopenWhenCustomerWrites } from '../src/normalizer/conversation-state.ts';
import { type IngestItem, ingestBatch, type JobFor, type OnStored } from '../src/normalizer/ingest.ts';
import { enqueueForwarding } from '../src/server/analytics-forward-job.ts';
import { createEventBus } from '../src/server/events.ts';
import { receivedEvents } from '../src/server/message-analytics.ts';
import { RESPOND_JOB } from '../src/server/respond-job.ts';
import { workspaceEvents } from '../src/server/workspace-events.ts';
import { createTestStore } from '../test/support/database.ts';
import { chatOf, providerMessageIdOf } from './lib/updates.ts';

const CHATS = 1_000;
const batchSize = Number(process.argv[2] ?? 50);
const batches = Number(process.argv[3] ?? 60);

// A fresh SQLite file, or a scratch database on the PostgreSQL server DATABASE_URL names.
const store = await createTestStore();
const db = store.db;
const tenant = await db.tenant.create({ data: { slug: 'bench', name: 'Bench' } });
const tracker = createTracker({
  db,
  clock: systemClock,
  logger: { warn: () => undefined },
  onWritten: enqueueForwarding(systemClock),
});
// The respond job as the gateway writes it (src/server/app.ts).
const jobFor: JobFor = (message) => ({
  kind: RESPOND_JOB,
  payload: { messageId: message.id },
  runAtMs: systemClock.now(),
});
const nothing: OnStored = async () => undefined;
const bus = await createEventBus(store);
const events: OnStored = (tx, messages) => tracker.trackInTransaction(tx, receivedEvents(messages));
const configurations: Array<{ name: string; onStored: OnStored; jobFor?: JobFor }> = [
  { name: 'messages only (driver statements)', onStored: nothing },
  { name: '+ respond jobs as driver statements', onStored: nothing, jobFor },
  { name: '+ `message_received` events', onStored: events, jobFor },
  {
    name: '+ closed-conversation check',
    onStored: async (tx, messages) => {
      await reopenWhenCustomerWrites(tx, messages);
      await events(tx, messages);
    },
    jobFor,
  },
  // The gateway's: the closed-conversation check and the live events wrapped around the events.
  { name: '+ live events (the gateway)', onStored: workspaceEvents(bus, db).onStored(events), jobFor },
];

let lastId = 0;
const nextBatch = (): IngestItem[] =>
  Array.from({ length: batchSize }, () => {
    lastId += 1;
    const chatId = String(chatOf(lastId, CHATS));
    const text = `hello from the bench, message ${lastId}`;
    return {
      tenantId: tenant.id,
      channel: 'telegram',
      events: [
        {
          type: 'message',
          providerMessageId: providerMessageIdOf(lastId, CHATS),
          chatId,
          sender: { externalId: chatId, displayName: 'Ada Bench', locale: 'en' },
          sentAt: new Date(1767268800_000),
          kind: 'text',
          text,
          parts: [{ type: 'text', text }],
        },
      ],
    };
  });

// Warm-up: creates every chat's contact and conversation and lets V8 optimize.
const gateway = configurations.at(-1)!;
while (lastId < 2 * CHATS) await ingestBatch(db, nextBatch(), gateway.onStored, gateway.jobFor);
const elapsed = configurations.map(() => 0);
const cpu = configurations.map(() => 0);
for (let batch = 0; batch < batches; batch += 1) {
  for (const [index, configuration] of configurations.entries()) {
    const items = nextBatch();
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    await ingestBatch(db, items, configuration.onStored, configuration.jobFor);
    const used = process.cpuUsage(cpuStarted);
    elapsed[index]! += performance.now() - started;
    cpu[index]! += (used.user + used.system) / 1000;
  }
}

process.stdout.write(
  `${store.dialect}, ${batches} batches of ${batchSize} per configuration\n\n` +
    '| configuration | ms per batch | messages/s | CPU ms per batch |\n| --- | ---: | ---: | ---: |\n',
);
for (const [index, configuration] of configurations.entries()) {
  const ms = elapsed[index]! / batches;
  process.stdout.write(
    `| ${configuration.name} | ${ms.toFixed(2)} | ${Math.round((batchSize * 1000) / ms).toLocaleString('en')} | ${(cpu[index]! / batches).toFixed(2)} |\n`,
  );
}
await tracker.close();
await bus.close();
await store.dispose();
