import type { Db, Dialect } from '../../store/index.ts';

/**
 * Makes deleted rows unreadable on disk. SQLite runs with `secure_delete` (deleted cells and
 * freed pages are zeroed), but the write-ahead log still holds the pages as they were before
 * the delete: a TRUNCATE checkpoint copies the zeroed pages into the database file and
 * empties the log. On PostgreSQL, deleted rows stay in the table files until VACUUM reuses
 * their space; autovacuum does that on its own schedule.
 */
export async function flushDeletedPages(db: Db, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') await db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
}
