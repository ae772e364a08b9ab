import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.ts';
import { providerMessageIdOf } from './updates.ts';

export interface InsertResult {
  durationSeconds: number;
  rows: number;
  rowsPerSecond: number;
}

/**
 * Baseline B: the write ceiling of SQLite itself. Raw better-sqlite3 inserts into the real
 * `messages` table (the gateway's migrated schema, with its indexes and foreign keys on),
 * WAL and synchronous=NORMAL as the gateway sets them, one statement at a time, each in a
 * transaction of its own or `rowsPerTransaction` to a transaction, for `durationSeconds`.
 * No Prisma, no HTTP.
 */
export async function measureSqliteInserts(options: {
  durationSeconds: number;
  chats: number;
  rowsPerTransaction: number;
}): Promise<InsertResult> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-sqlite-'));
  try {
    const store = await openStore({ dataDir });
    await store.close();
    const database = new Database(path.join(dataDir, 'switchboard.db'));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    const conversationIds = seedConversations(database, options.chats);

    const insert = database.prepare(
      `INSERT INTO "messages" ("id", "tenantId", "conversationId", "channel", "direction",
         "providerMessageId", "kind", "text", "parts", "status", "sentAt", "createdAt")
       VALUES (?, 'bench-tenant', ?, 'telegram', 'inbound', ?, 'text', ?, ?, 'received', ?, ?)`,
    );
    const sentAt = new Date(1767268800_000).toISOString();
    const insertRow = (row: number) => {
      const text = `hello from the bench, message ${row}`;
      insert.run(
        randomUUID(),
        conversationIds[row % options.chats],
        providerMessageIdOf(row, options.chats),
        text,
        JSON.stringify([{ type: 'text', text }]),
        sentAt,
        new Date().toISOString(),
      );
    };
    // One row: the statement commits by itself (autocommit), as the brief's baseline asks.
    const insertRows =
      options.rowsPerTransaction === 1
        ? insertRow
        : database.transaction((first: number) => {
            for (let row = first; row < first + options.rowsPerTransaction; row += 1) insertRow(row);
          });
    let rows = 0;
    const started = performance.now();
    const deadline = started + options.durationSeconds * 1000;
    while (performance.now() < deadline) {
      insertRows(rows + 1);
      rows += options.rowsPerTransaction;
    }
    const durationSeconds = (performance.now() - started) / 1000;
    database.close();
    return { durationSeconds, rows, rowsPerSecond: rows / durationSeconds };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** One tenant and a contact and conversation per chat, so the messages' foreign keys hold. */
function seedConversations(database: Database.Database, chats: number): string[] {
  const now = new Date().toISOString();
  const conversationIds: string[] = [];
  database.transaction(() => {
    database
      .prepare(
        `INSERT INTO "tenants" ("id", "slug", "name", "createdAt") VALUES ('bench-tenant', 'bench', 'Bench', ?)`,
      )
      .run(now);
    const contact = database.prepare(
      `INSERT INTO "contacts" ("id", "tenantId", "updatedAt") VALUES (?, 'bench-tenant', ?)`,
    );
    const conversation = database.prepare(
      `INSERT INTO "conversations" ("id", "tenantId", "contactId", "channel", "externalChatId")
       VALUES (?, 'bench-tenant', ?, 'telegram', ?)`,
    );
    for (let chat = 0; chat < chats; chat += 1) {
      const contactId = randomUUID();
      const conversationId = randomUUID();
      contact.run(contactId, now);
      conversation.run(conversationId, contactId, String(chat));
      conversationIds.push(conversationId);
    }
  })();
  return conversationIds;
}
