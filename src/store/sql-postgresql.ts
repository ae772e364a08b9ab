import pg from 'pg';
import type { DbTransaction } from './db.ts';
import type { Sql, SqlParameter, SqlSession } from './sql.ts';

// timestamp(3) without time zone, which is how Prisma stores DateTime: it holds UTC, but pg would
// read it as the process's local time.
const TIMESTAMP = 1114;
const types = new pg.TypeOverrides();
types.setTypeParser(TIMESTAMP, (text: string) => new Date(`${text.replace(' ', 'T')}Z`));

/**
 * Driver SQL on the pool Prisma's adapter uses too: statements go to pg directly, as named
 * prepared statements (each connection parses and plans a SQL text once), outside Prisma's
 * query compiler. A transaction takes a connection of its own for `BEGIN … COMMIT`.
 */
export function postgresqlSql(pool: pg.Pool): Sql {
  const names = new Map<string, { name: string; text: string }>();
  const query = (sql: string) => {
    let found = names.get(sql);
    if (found === undefined) {
      found = { name: `switchboard_${names.size}`, text: numberedPlaceholders(sql) };
      names.set(sql, found);
    }
    return found;
  };
  const sessionOn = (queryable: pg.Pool | pg.PoolClient): SqlSession => {
    const execute = (sql: string, parameters: readonly SqlParameter[]) =>
      queryable.query({ ...query(sql), values: parameters.map(postgresqlValue), types });
    return {
      dialect: 'postgresql',
      all: async <Row extends object>(sql: string, parameters: readonly SqlParameter[] = []) =>
        (await execute(sql, parameters)).rows as Row[],
      run: async (sql, parameters = []) => (await execute(sql, parameters)).rowCount ?? 0,
    };
  };

  return {
    ...sessionOn(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(sessionOn(client));
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        // A connection whose ROLLBACK fails is in an unknown state: the pool discards it.
        await client.query('ROLLBACK').then(
          () => client.release(),
          (rollbackError: Error) => client.release(rollbackError),
        );
        throw error;
      }
    },
    within: (tx) => prismaSession(tx, (sql) => query(sql).text),
  };
}

/** The statements of a transaction Prisma opened: raw queries through its transaction client. */
function prismaSession(tx: DbTransaction, text: (sql: string) => string): SqlSession {
  return {
    dialect: 'postgresql',
    all: <Row extends object>(sql: string, parameters: readonly SqlParameter[] = []) =>
      tx.$queryRawUnsafe<Row[]>(text(sql), ...parameters),
    run: (sql, parameters = []) => tx.$executeRawUnsafe(text(sql), ...parameters),
  };
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`… (the SQL texts here hold no other `?`). */
function numberedPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/**
 * A value as Prisma's pg adapter binds it: a Date as its UTC time (pg itself would send local
 * time with an offset, which a column without time zone ignores), a bigint as its digits.
 */
function postgresqlValue(value: SqlParameter): unknown {
  if (value instanceof Date) return value.toISOString().slice(0, -1);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
