import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqlBoolean } from '../../src/store/dialect.ts';
import { readDate, readNumber, type Sql, sqlOf } from '../../src/store/sql.ts';
import { createTestStore, type TestStore } from '../support/database.ts';

const INSERT_JOB =
  'INSERT INTO "jobs" ("id", "tenantId", "kind", "payload", "status", "runAtMs", "attempts", "maxAttempts", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** A controllable gate: `opened` resolves once `open()` is called. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

// The driver SQL (`src/store/sql*.ts`) that the queue and the jobs use instead of Prisma's
// query compiler, on whichever database the run targets.
describe('driver SQL', () => {
  let store: TestStore;
  let sql: Sql;
  let tenantId: string;

  beforeEach(async () => {
    store = await createTestStore();
    sql = sqlOf(store.db);
    tenantId = (await store.db.tenant.create({ data: { slug: 'driver', name: 'Driver' } })).id;
  });

  afterEach(async () => {
    await store.dispose();
  });

  const insertJob = (session: Pick<Sql, 'run'>, id: string, at = new Date('2026-12-02T08:09:10.123Z')) =>
    session.run(INSERT_JOB, [id, tenantId, 'probe', '{"a":1}', 'queued', 1_764_662_950_123n, 0, 8, at, at]);

  it('writes values as Prisma writes them and reads them back on both paths', async () => {
    const at = new Date('2026-12-02T08:09:10.123Z');
    expect(await insertJob(sql, 'job-1', at)).toBe(1);

    const viaPrisma = await store.db.job.findUniqueOrThrow({ where: { id: 'job-1' } });
    expect(viaPrisma).toMatchObject({
      runAtMs: 1_764_662_950_123n,
      createdAt: at,
      updatedAt: at,
      attempts: 0,
    });
    // A row Prisma wrote compares with a Date parameter, in the same format.
    await store.db.job.create({
      data: { id: 'job-2', tenantId, kind: 'probe', runAtMs: 5n, createdAt: new Date(at.getTime() + 1) },
    });
    const later = await sql.all<{ id: string; createdAt: Date | string; runAtMs: number | bigint | string }>(
      'SELECT "id", "createdAt", "runAtMs" FROM "jobs" WHERE "createdAt" > ? ORDER BY "id"',
      [at],
    );
    expect(later.map((row) => [row.id, readDate(row.createdAt), readNumber(row.runAtMs)])).toEqual([
      ['job-2', new Date(at.getTime() + 1), 5],
    ]);
    const [exists] = await sql.all<{ found: boolean | number }>(
      'SELECT EXISTS (SELECT 1 FROM "jobs" WHERE "id" = ?) AS "found"',
      ['job-1'],
    );
    expect(sqlBoolean(exists!.found)).toBe(true);
    expect(await sql.run('UPDATE "jobs" SET "attempts" = "attempts" + 1 WHERE "kind" = ?', ['probe'])).toBe(
      2,
    );
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await sql.transaction(async (tx) => {
      await insertJob(tx, 'kept');
    });
    const failed = sql.transaction(async (tx) => {
      await insertJob(tx, 'dropped');
      throw new Error('on purpose');
    });
    await expect(failed).rejects.toThrow('on purpose');
    // A failing statement rolls back what came before it in the transaction.
    const conflicting = sql.transaction(async (tx) => {
      await insertJob(tx, 'before-conflict');
      await insertJob(tx, 'kept');
    });
    await expect(conflicting).rejects.toThrow();
    const ids = await store.db.job.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
    expect(ids.map((job) => job.id)).toEqual(['kept']);
  });

  it('keeps a driver transaction and a statement outside it apart, in both directions', async () => {
    // A driver transaction is open: a Prisma read and a driver read outside it see only
    // committed rows, and neither write is lost when it rolls back.
    const written = gate();
    const rollBack = gate();
    const driverTransaction = sql
      .transaction(async (tx) => {
        await insertJob(tx, 'uncommitted');
        written.open();
        await rollBack.opened;
        throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => error.message);
    await written.opened;
    const started = <T>(query: PromiseLike<T>) =>
      new Promise<T>((resolve, reject) => query.then(resolve, reject));
    const prismaRead = started(store.db.job.count({ where: { id: 'uncommitted' } }));
    const driverRead = sql.all<{ id: string }>('SELECT "id" FROM "jobs" WHERE "id" = ?', ['uncommitted']);
    const driverWrite = insertJob(sql, 'outside');
    setTimeout(rollBack.open, 50);
    expect(await driverTransaction).toBe('rolled back on purpose');
    expect(await prismaRead).toBe(0);
    expect(await driverRead).toEqual([]);
    expect(await driverWrite).toBe(1);

    // A Prisma transaction is open: a driver statement outside it waits, or (PostgreSQL) runs
    // on another connection; either way it neither sees nor loses anything.
    const prismaWritten = gate();
    const prismaRollBack = gate();
    const prismaTransaction = store.db
      .$transaction(async (tx) => {
        await tx.job.create({ data: { id: 'prisma-uncommitted', tenantId, kind: 'probe', runAtMs: 1n } });
        // The transaction's own statements see its rows.
        const inside = await sql.within(tx).all<{ id: string }>('SELECT "id" FROM "jobs" ORDER BY "id"');
        expect(inside.map((row) => row.id)).toEqual(['outside', 'prisma-uncommitted']);
        await insertJob(sql.within(tx), 'within');
        prismaWritten.open();
        await prismaRollBack.opened;
        throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => error.message);
    await prismaWritten.opened;
    const outsideRead = sql.all<{ id: string }>('SELECT "id" FROM "jobs" WHERE "id" <> ? ORDER BY "id"', [
      'outside',
    ]);
    const outsideWrite = sql.run('UPDATE "jobs" SET "kind" = ? WHERE "id" = ?', ['updated', 'outside']);
    setTimeout(prismaRollBack.open, 50);
    expect(await prismaTransaction).toBe('rolled back on purpose');
    expect(await outsideRead).toEqual([]);
    expect(await outsideWrite).toBe(1);
    const rows = await store.db.job.findMany({ select: { id: true, kind: true } });
    expect(rows).toEqual([{ id: 'outside', kind: 'updated' }]);
  });
});
