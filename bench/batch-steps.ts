/**
 * Where one group-commit batch spends its time, statement by statement, without HTTP:
 * `ingestBatch` on a fresh SQLite file with batches of distinct Telegram-shaped messages
 * spread over 1,000 chats (created in a warm-up, then reused), each statement timed through
 * a Prisma query extension.
 *
 *   npx tsx bench/batch-steps.ts [batch size, default 50] [batches, default 60]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/core/clock.ts';
import { type IngestItem, ingestBatch } from '../src/normalizer/ingest.ts';
import { enqueueResponses } from '../src/server/respond-job.ts';
import { type Db, openStore } from '../src/store/index.ts';
import { chatOf, providerMessageIdOf } from './lib/updates.ts';

const CHATS = 1_000;
const batchSize = Number(process.argv[2] ?? 50);
const batches = Number(process.argv[3] ?? 60);

const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-steps-'));
const store = await openStore({ dataDir });
const steps = new Map<string, { ms: number; calls: number }>();
const timed = store.db.$extends({
  query: {
    async $allOperations({ model, operation, args, query }) {
      const started = performance.now();
      try {
        return await query(args);
      } finally {
        const name = model ? `${model}.${operation}` : operation;
        const step = steps.get(name) ?? { ms: 0, calls: 0 };
        step.ms += performance.now() - started;
        step.calls += 1;
        steps.set(name, step);
      }
    },
  },
});
// The extension keeps the model API; only its type is wider than the one ingestBatch takes.
const db = timed as unknown as Db;
const tenant = await db.tenant.create({ data: { slug: 'bench', name: 'Bench' } });
const onStored = enqueueResponses(systemClock);

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
while (lastId < 2 * CHATS) await ingestBatch(db, nextBatch(), onStored);
steps.clear();
const started = performance.now();
for (let batch = 0; batch < batches; batch += 1) await ingestBatch(db, nextBatch(), onStored);
const elapsed = performance.now() - started;

const line = (name: string, ms: number, calls: number) =>
  `| ${name} | ${(ms / batches).toFixed(2)} | ${(calls / batches).toFixed(1)} |`;
process.stdout.write(
  `${batches} batches of ${batchSize}: ${(elapsed / batches).toFixed(2)} ms per batch, ` +
    `${Math.round((batches * batchSize) / (elapsed / 1000))} messages/s\n\n` +
    '| statement | ms per batch | calls per batch |\n| --- | ---: | ---: |\n',
);
let statements = 0;
for (const [name, step] of steps) {
  statements += step.ms;
  process.stdout.write(`${line(name, step.ms, step.calls)}\n`);
}
process.stdout.write(`${line('rest (transaction, JavaScript)', elapsed - statements, 0)}\n`);
await store.close();
await rm(dataDir, { recursive: true, force: true });
