/**
 * Summarises a V8 heap snapshot: the heap's self size by object type and constructor, the
 * largest first, so that a memory run can say what its steady state holds; then the largest
 * single objects with the start of their name (for a string, its text: a module's source, say).
 *
 *   npx tsx bench/heap-summary.ts bench/results/Heap.<…>.heapsnapshot [top]
 */
import { readFile } from 'node:fs/promises';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const [file, topText] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx bench/heap-summary.ts <file.heapsnapshot> [top]\n');
  process.exit(2);
}
const top = Number(topText ?? 30);
const snapshot = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
const fields = snapshot.snapshot.meta.node_fields;
const types = snapshot.snapshot.meta.node_types[0];
const stride = fields.length;
const typeField = fields.indexOf('type');
const nameField = fields.indexOf('name');
const sizeField = fields.indexOf('self_size');

const groups = new Map<string, { count: number; bytes: number }>();
const largest: Array<{ type: string; bytes: number; name: string }> = [];
let total = 0;
for (let offset = 0; offset < snapshot.nodes.length; offset += stride) {
  const type = types[snapshot.nodes[offset + typeField]!] ?? 'unknown';
  const bytes = snapshot.nodes[offset + sizeField]!;
  // Strings, code and arrays are grouped by type: their names are their contents.
  const name =
    type === 'object' || type === 'closure' ? snapshot.strings[snapshot.nodes[offset + nameField]!] : '';
  const key = `${type}${name ? ` ${name}` : ''}`;
  const group = groups.get(key) ?? { count: 0, bytes: 0 };
  group.count += 1;
  group.bytes += bytes;
  groups.set(key, group);
  total += bytes;
  if (bytes >= 256 * 1024)
    largest.push({ type, bytes, name: snapshot.strings[snapshot.nodes[offset + nameField]!]! });
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
process.stdout.write(`${file}: ${mib(total)} MiB in ${snapshot.nodes.length / stride} objects\n\n`);
process.stdout.write(
  '| type and constructor | objects | self size (MiB) | share |\n| --- | ---: | ---: | ---: |\n',
);
for (const [key, group] of [...groups].sort((left, right) => right[1].bytes - left[1].bytes).slice(0, top)) {
  process.stdout.write(
    `| ${key.slice(0, 80)} | ${group.count} | ${mib(group.bytes)} | ${((100 * group.bytes) / total).toFixed(1)} % |\n`,
  );
}
process.stdout.write('\n| largest objects (256 KiB or more) | self size (MiB) |\n| --- | ---: |\n');
for (const object of largest.sort((left, right) => right.bytes - left.bytes).slice(0, top)) {
  const name = JSON.stringify(object.name.slice(0, 60)).replaceAll('|', '\\|');
  process.stdout.write(`| ${object.type} ${name} | ${mib(object.bytes)} |\n`);
}
