/**
 * Summarizes a V8 CPU profile (from `npm run bench:ingest -- --cpu-prof`): self time by
 * area (a package in node_modules, a source file of ours, Node's internals, GC, idle) and
 * the hottest functions.
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/CPU.….cpuprofile [top=25]
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topText = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));

const byArea = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const [index, id] of profile.samples.entries()) {
  // A sample's time is the delta to the next one; the last sample has none.
  const micros = profile.timeDeltas[index + 1] ?? 0;
  const frame = nodes.get(id)!.callFrame;
  const area = areaOf(frame.url, frame.functionName);
  total += micros;
  byArea.set(area, (byArea.get(area) ?? 0) + micros);
  const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
}

const busy = total - (byArea.get('(idle)') ?? 0);
const print = (title: string, entries: Map<string, number>, top: number) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = name === '(idle)' ? '' : ` ${((100 * micros) / busy).toFixed(1).padStart(5)} % of busy`;
    process.stdout.write(`${(micros / 1000).toFixed(0).padStart(8)} ms${share}  ${name}\n`);
  }
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy\n`);
print('Self time by area', byArea, 30);
print('Hottest functions (self time)', byFunction, Number(topText));

function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  const source = /\/((?:src|bench|test)\/.*)$/.exec(url);
  return source ? source[1]! : url;
}

function shortUrl(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|test)\//, '$1/');
}
