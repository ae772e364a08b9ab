/**
 * What one group-commit batch costs, without HTTP: `ingestBatch` on a fresh SQLite file (or
 * on a scratch PostgreSQL database with DATABASE_URL) with batches of distinct Telegram-shaped
 * messages spread over 1,000 chats (created in a warm-up, then reused). The same batches run
 * with more and more of the gateway's follow-up work in the storing transaction, so each
 * line's difference to the one before is what that work costs: nothing (the messages' own
 * driver statements), the respond jobs, the `message_received` events, the check for closed
 * conversations to reopen. The configurations take turns, batch by batch, so that drift in
 * the machine's load falls on all of them.
 *
 *   npx tsx bench/batch-steps.ts [batch size, default 50] [batches per configuration, default 60]
 */
import { createTracker } from '../src/analytics/tracker.ts';
import { systemClock } from '../src/core/clock.ts';
import { reopenWhenCustomerWrites } from '../src/normalizer/conversation-state.ts';
import { type IngestItem, ingestBatch, type OnStored } from '../src/normalizer/ingest.ts';
import { enqueueForwarding } from '../src/server/analytics-forward-job.ts';
import { receivedEvents } from '../src/server/message-analytics.ts';
import { enqueueResponses } from '../src/server/respond-job.ts';
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
const respond = enqueueResponses(systemClock);
const withEvents: OnStored = async (tx, messages) => {
  await respond(tx, messages);
  await tracker.trackInTransaction(tx, receivedEvents(messages));
};
const configurations: Array<{ name: string; onStored: OnStored }> = [
  { name: 'messages only (driver statements)', onStored: async () => undefined },
  { name: '+ respond jobs (`enqueueJobs`)', onStored: respond },
  { name: '+ `message_received` events', onStored: withEvents },
  {
    name: '+ closed-conversation check (the gateway today)',
    onStored: async (tx, messages) => {
      await reopenWhenCustomerWrites(tx, messages);
      await withEvents(tx, messages);
    },
  },
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
while (lastId < 2 * CHATS) await ingestBatch(db, nextBatch(), configurations.at(-1)!.onStored);
const elapsed = configurations.map(() => 0);
for (let batch = 0; batch < batches; batch += 1) {
  for (const [index, configuration] of configurations.entries()) {
    const items = nextBatch();
    const started = performance.now();
    await ingestBatch(db, items, configuration.onStored);
    elapsed[index]! += performance.now() - started;
  }
}

process.stdout.write(
  `${store.dialect}, ${batches} batches of ${batchSize} per configuration\n\n` +
    '| configuration | ms per batch | messages/s |\n| --- | ---: | ---: |\n',
);
for (const [index, configuration] of configurations.entries()) {
  const ms = elapsed[index]! / batches;
  process.stdout.write(
    `| ${configuration.name} | ${ms.toFixed(2)} | ${Math.round((batchSize * 1000) / ms).toLocaleString('en')} |\n`,
  );
}
await tracker.close();
await store.dispose();
