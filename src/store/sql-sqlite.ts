import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import type Database from 'better-sqlite3';
import type { Sql, SqlParameter, SqlSession } from './sql.ts';

type Statement = Database.Statement<unknown[], unknown>;

/** The connection Prisma's client opened on the file, as `sqlite.ts` hands it over. */
export interface SqliteConnection {
  handle: Database.Database;
  /** The handle's own `prepare`, not the statement cache's (`statement-cache.ts`). */
  prepare(sql: string): Statement;
  /** The adapter's connection: its `startTransaction` takes the transaction lock and BEGINs. */
  adapter: SqlDriverAdapter;
  /** Resolves once no transaction is open on the connection (`sqlite-transaction-guard.ts`). */
  idle(): Promise<void>;
}

/**
 * Driver SQL on the connection of Prisma's client: the only connection to the file, so there is
 * no second writer. Statements run synchronously and are prepared once per SQL text. Outside a
 * transaction a statement first waits until no transaction is open (else it would run inside
 * somebody else's); inside one, nothing else can come between, because the transaction holds
 * the adapter's lock and every query outside it waits.
 */
export function sqliteSql(client: {
  /** The client's connection, once it has connected. */
  current(): SqliteConnection | undefined;
  /** Connects the client (it connects on its first query otherwise). */
  connect(): Promise<void>;
}): Sql {
  const connect = async () => {
    if (client.current() === undefined) await client.connect();
    const connection = client.current();
    if (connection === undefined) throw new Error('the SQLite client did not connect');
    return connection;
  };
  let prepared: { handle: Database.Database; statements: Map<string, Statement> } | undefined;
  const statement = (connection: SqliteConnection, sql: string): Statement => {
    if (prepared?.handle !== connection.handle)
      prepared = { handle: connection.handle, statements: new Map() };
    let found = prepared.statements.get(sql);
    if (found === undefined) {
      found = connection.prepare(sql);
      prepared.statements.set(sql, found);
    }
    return found;
  };
  const all = <Row>(connection: SqliteConnection, sql: string, parameters: readonly SqlParameter[]) =>
    statement(connection, sql).all(...parameters.map(sqliteValue)) as Row[];
  const run = (connection: SqliteConnection, sql: string, parameters: readonly SqlParameter[]) =>
    statement(connection, sql).run(...parameters.map(sqliteValue)).changes;

  /** The statements of the transaction open on `connection`; they refuse to run outside it. */
  const inside = (connection: SqliteConnection): SqlSession => {
    const open = () => {
      if (!connection.handle.inTransaction) throw new Error('the transaction has ended');
      return connection;
    };
    return {
      dialect: 'sqlite',
      all: async (sql, parameters = []) => all(open(), sql, parameters),
      run: async (sql, parameters = []) => run(open(), sql, parameters),
    };
  };
  const outside = async () => {
    const connection = await connect();
    await connection.idle();
    return connection;
  };

  return {
    dialect: 'sqlite',
    all: async (sql, parameters = []) => all(await outside(), sql, parameters),
    run: async (sql, parameters = []) => run(await outside(), sql, parameters),
    async transaction(work) {
      const connection = await connect();
      const transaction = await connection.adapter.startTransaction();
      try {
        const result = await work(inside(connection));
        run(connection, 'COMMIT', []);
        return result;
      } catch (error) {
        if (connection.handle.inTransaction) run(connection, 'ROLLBACK', []);
        throw error;
      } finally {
        // The adapter's commit only releases its lock (its engine sends COMMIT as a query).
        await transaction.commit();
      }
    },
    within: () => {
      // A transaction Prisma opened is on the same, only, connection.
      const connection = client.current();
      if (connection === undefined) throw new Error('the SQLite client is not connected');
      return inside(connection);
    },
  };
}

/**
 * A value as Prisma's SQLite adapter binds it (its `mapArg`): a boolean as 1 or 0, a Date as
 * ISO 8601 text with `+00:00` (the adapter's default `iso8601` format), the rest unchanged.
 */
export function sqliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return dateText(value.getTime());
  return value;
}

// The rows of a batch carry the same instant many times (its `createdAt`, `updatedAt`, …):
// its text is made once.
let lastTime = Number.NaN;
let lastText = '';

function dateText(time: number): string {
  if (time !== lastTime) {
    lastText = new Date(time).toISOString().replace('Z', '+00:00');
    lastTime = time;
  }
  return lastText;
}
