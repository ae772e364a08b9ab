/**
 * Preloaded into a SQLite gateway (`--import`) by `bench:reply --count-statements`: counts the
 * statements SQLite executes and the transactions it begins, and writes the running totals
 * to the file in BENCH_COUNT_FILE every 100 ms (with a count per SQL text, to see which
 * statements a reply costs), so the bench can divide them by the replies of each phase. It wraps better-sqlite3's statement methods, which every query of the adapter
 * goes through, whether or not the statement came from the statement cache.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const file = process.env.BENCH_COUNT_FILE;
if (file) {
  const require = createRequire(new URL('../../package.json', import.meta.url));
  const Database = require('better-sqlite3');
  const probe = new Database(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  probe.close();
  const counts = {
    statements: 0,
    transactions: 0,
    bySql: {} as Record<string, number>,
    /** Time SQLite spent executing each SQL text, in ms. */
    msBySql: {} as Record<string, number>,
  };
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = prototype[method];
    prototype[method] = function (this: { source: string }, ...parameters: unknown[]) {
      counts.statements += 1;
      counts.bySql[this.source] = (counts.bySql[this.source] ?? 0) + 1;
      if (this.source.startsWith('BEGIN')) counts.transactions += 1;
      const started = performance.now();
      try {
        return original.apply(this, parameters);
      } finally {
        counts.msBySql[this.source] = (counts.msBySql[this.source] ?? 0) + performance.now() - started;
      }
    };
  }
  setInterval(() => writeFileSync(file, JSON.stringify(counts)), 100).unref();
}
