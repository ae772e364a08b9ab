import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../support/database.ts';

// A query outside a transaction must neither see another transaction's uncommitted rows nor
// have its own writes rolled back with it. On PostgreSQL each transaction has a connection of
// its own; on SQLite there is one connection, and `src/store/sqlite-transaction-guard.ts`
// holds such a query back until the open transaction has ended.
describe('a query outside a transaction, while one is open', () => {
  let store: TestStore;

  beforeEach(async () => {
    store = await createTestStore();
    await store.db.tenant.create({ data: { slug: 'outside', name: 'Outside' } });
  });

  afterEach(async () => {
    await store.dispose();
  });

  it('reads only committed rows, and its write survives the other transaction rolling back', async () => {
    const { db } = store;
    let inside!: () => void;
    const transactionHasWritten = new Promise<void>((resolve) => {
      inside = resolve;
    });
    let release!: () => void;
    const rollBack = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = db
      .$transaction(async (tx) => {
        await tx.tenant.create({ data: { slug: 'uncommitted', name: 'Uncommitted' } });
        inside();
        await rollBack;
        throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => error.message);
    await transactionHasWritten;

    // Started while the transaction is open; on SQLite they run once it has ended.
    // Raw statements, as the queue's and the dispatcher's hot paths use, and a model query.
    // A Prisma query runs only once `then` is called, so `started` calls it now.
    const started = <T>(query: PromiseLike<T>) =>
      new Promise<T>((resolve, reject) => query.then(resolve, reject));
    const read = started(db.$queryRaw<Array<{ slug: string }>>`SELECT "slug" FROM "tenants" ORDER BY "slug"`);
    const modelRead = started(db.tenant.count());
    const write = started(
      db.$executeRaw`UPDATE "tenants" SET "name" = 'Written outside' WHERE "slug" = 'outside'`,
    );
    setTimeout(release, 50);

    expect(await transaction).toBe('rolled back on purpose');
    expect((await read).map((tenant) => tenant.slug)).toEqual(['outside']);
    expect(await modelRead).toBe(1);
    await write;
    const tenants = await db.tenant.findMany({ select: { slug: true, name: true } });
    expect(tenants).toEqual([{ slug: 'outside', name: 'Written outside' }]);
  });
});
