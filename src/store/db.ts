import type { Prisma, PrismaClient } from './generated/sqlite/client.ts';
import type { MigrationTarget } from './migrate.ts';

/**
 * The Prisma client every module receives. It is the SQLite client's type; the PostgreSQL
 * client is generated from the same models, so its model API is identical.
 */
export type Db = PrismaClient;

/** The client inside `db.$transaction(async (transaction) => …)`. */
export type DbTransaction = Prisma.TransactionClient;

/** What each dialect's module opens: a client that connects on first use, and how to migrate. */
export interface Connection {
  db: Db;
  migrationTarget: MigrationTarget;
}
