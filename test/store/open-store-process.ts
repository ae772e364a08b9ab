// Started as a child process by migrations.test.ts: opens a store on the database URL given as
// the first argument, then prints the store's log lines as JSON and exits.
import { tmpdir } from 'node:os';
import { openStore } from '../../src/store/index.ts';

const messages: string[] = [];
const store = await openStore({
  databaseUrl: process.argv[2],
  dataDir: tmpdir(),
  log: (line) => messages.push(line),
});
await store.close();
process.stdout.write(JSON.stringify(messages));
