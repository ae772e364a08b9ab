import type { SqlDriverAdapter, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';

/**
 * Makes a query outside a transaction wait until no transaction is open on the connection.
 *
 * The better-sqlite3 adapter has one connection. It serializes interactive transactions with
 * a mutex, but a query outside a transaction does not take that mutex and runs on the same
 * connection, inside whatever transaction is open there: it reads that transaction's
 * uncommitted rows, and its writes are rolled back with it (`test/store/sqlite-transactions.test.ts`
 * shows both without this guard). A job's completion or a reply's `sent` mark could vanish with
 * somebody else's rollback, and the worker could claim a job whose message was never stored.
 *
 * Queries inside a transaction go through the transaction object, not through these methods,
 * so they never wait here. The wait is re-checked after waking: a transaction queued on the
 * adapter's mutex may have begun in the meantime. `inTransaction` is the handle's own flag: it
 * is already set in the turns between the adapter's BEGIN and the transaction being handed back.
 *
 * Returns the guarded connection and `idle`, which resolves once no transaction is open, for
 * the driver statements that run outside one (`sql-sqlite.ts`).
 */
export function guardTransactions(
  connection: SqlDriverAdapter,
  inTransaction: () => boolean,
): { connection: SqlDriverAdapter; idle(): Promise<void> } {
  let openTransaction: Promise<void> | undefined;
  const idle = async () => {
    while (openTransaction || inTransaction()) {
      await (openTransaction ?? new Promise((resolve) => setImmediate(resolve)));
    }
  };

  const startTransaction = connection.startTransaction.bind(connection);
  connection.startTransaction = async (isolationLevel) => {
    const transaction = await startTransaction(isolationLevel);
    let ended!: () => void;
    const current = new Promise<void>((resolve) => {
      ended = resolve;
    });
    openTransaction = current;
    const end = () => {
      if (openTransaction === current) openTransaction = undefined;
      ended();
    };
    return endsWith(transaction, end);
  };

  const queryRaw = connection.queryRaw.bind(connection);
  const executeRaw = connection.executeRaw.bind(connection);
  connection.queryRaw = async (query: SqlQuery) => {
    await idle();
    return queryRaw(query);
  };
  connection.executeRaw = async (query: SqlQuery) => {
    await idle();
    return executeRaw(query);
  };
  return { connection, idle };
}

/** Calls `end` once the transaction has committed or rolled back (whether or not that failed). */
function endsWith(transaction: Transaction, end: () => void): Transaction {
  const commit = transaction.commit.bind(transaction);
  const rollback = transaction.rollback.bind(transaction);
  transaction.commit = () => commit().finally(end);
  transaction.rollback = () => rollback().finally(end);
  return transaction;
}
