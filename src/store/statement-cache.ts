import type Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';

/** Distinct SQL texts kept prepared; Prisma sends a few hundred different ones. */
const CACHED_STATEMENTS = 1_000;

type Statement = Database.Statement<unknown[], unknown>;

/**
 * Makes `database.prepare` reuse prepared statements by SQL text. Prisma's SQLite adapter
 * prepares every query anew and binds it once (`prepare(sql).bind(args)`), which under load
 * cost about 8 % of the gateway's CPU (bench/README.md); SQLite plans a statement once per
 * prepare. A better-sqlite3 statement can be bound only once, so what `prepare` returns
 * here is a small stand-in holding the arguments, which it passes to the cached statement
 * on each call. It offers the part of the statement API the adapter uses (`reader`, `bind`,
 * `run`, `all`, `get`, `columns`, `raw`); everything runs synchronously, so a statement is
 * never in use twice at once.
 */
export function cacheStatements(database: Database.Database): void {
  const prepare = database.prepare.bind(database);
  const statements = new LRUCache<string, Statement>({ max: CACHED_STATEMENTS });
  const cachedPrepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = prepare(sql) as Statement;
      statements.set(sql, statement);
    }
    return withArguments(statement, []);
  };
  database.prepare = cachedPrepare as unknown as typeof database.prepare;
}

/** The statement with `bound` as its parameters: the adapter's view of a freshly prepared one. */
function withArguments(statement: Statement, bound: unknown[]) {
  let rawMode = false;
  const view = {
    reader: statement.reader,
    bind(...parameters: unknown[]) {
      return withArguments(statement, parameters);
    },
    run: (...parameters: unknown[]) => statement.run(...parametersFor(bound, parameters)),
    all: (...parameters: unknown[]) => statement.raw(rawMode).all(...parametersFor(bound, parameters)),
    get: (...parameters: unknown[]) => statement.raw(rawMode).get(...parametersFor(bound, parameters)),
    columns: () => statement.columns(),
    raw(toggle = true) {
      rawMode = toggle;
      return view;
    },
  };
  return view;
}

function parametersFor(bound: unknown[], parameters: unknown[]): unknown[] {
  return parameters.length > 0 ? parameters : bound;
}
