import type { Prisma, PrismaClient } from './generated/sqlite/client.ts';
import type { DatabaseState } from './index.ts';
import type { MigrationTarget } from './migrate.ts';

// Raw SQL on both dialects (probed with Prisma 7.10 and both adapters):
// - Use tagged templates, db.$queryRaw`… ${value}`: Prisma sends each ${value} as `?` to SQLite
//   and as `$1`, `$2`… to PostgreSQL, so one template serves both. $queryRawUnsafe takes the
//   dialect's own placeholders: `?` fails on PostgreSQL and `$1` fails on SQLite.
// - Tables are snake_case; camelCase columns must be double-quoted ("runAtMs").
// - DateTime on SQLite is TEXT such as '2026-01-02T03:04:05.678+00:00' (the adapter's iso8601
//   format), and Date parameters are bound in that same format, so `"createdAt" < ${date}`
//   compares correctly. A raw INSERT that leaves a DateTime to its SQL default stores
//   '2026-01-02 03:04:05' instead (no milliseconds, sorts before the ISO form): pass the value.
//   On PostgreSQL it is timestamp(3) without time zone holding UTC; the SQL default there is the
//   server's local time. Raw reads return Date on both.
// - bigint for COUNT(*) and BigInt columns, number for Int, boolean for Boolean, on both.
// - adapter-pg cannot read PostgreSQL's internal "char" type (pg_class.relkind …): cast to text.

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
  state(): Promise<DatabaseState>;
  /** Closes what the driver SQL opened beside Prisma's client, after `db.$disconnect()`. */
  closeDriver?(): Promise<void>;
}
