import { randomUUID } from 'node:crypto';

/**
 * A new row id: a UUID version 7 (RFC 9562), whose first 48 bits are the current Unix time in
 * milliseconds and the other 74 random, so ids written later sort after earlier ones.
 *
 * Why not a random UUID: a table's primary-key index keeps its ids in order, so random ids land
 * on a random page of it each, and every page a transaction touches is written again to
 * SQLite's write-ahead log at commit. Ids in time order land on the index's last pages, which
 * one batch of rows shares (Prisma's own `cuid()` ids, which these replace on the ingest path,
 * are in time order too). With the ingest batch's messages, jobs and events on random ids, its
 * COMMIT was the largest single cost of a stored webhook (bench/README.md, "Ingest").
 */
export function newRowId(): string {
  const time = Date.now().toString(16).padStart(12, '0');
  const random = randomUUID();
  // Random UUID: xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, its variant bits already RFC 9562's.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
