// Issue 14 (memory): `node bench/heap-summary.mjs <a.heapsnapshot> [top=25]` — a heap snapshot summed by node
// kind and by constructor (self sizes: what each kind of object occupies itself, not what it keeps alive), so two
// snapshots (e.g. the app and bare node, both idle, taken by bench/memory-probe.mjs) can be compared line by line.
import { readFileSync } from 'node:fs';

const [path, topArg] = process.argv.slice(2);
if (path === undefined) {
  console.error('usage: node bench/heap-summary.mjs <file.heapsnapshot> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const snap = JSON.parse(readFileSync(path, 'utf8'));
const meta = snap.snapshot.meta;
const fields = meta.node_fields;
const width = fields.length;
const types = meta.node_types[fields.indexOf('type')];
const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
const nodes = snap.nodes;
const strings = snap.strings;

const byType = new Map();
const byCtor = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += width) {
  const type = types[nodes[i + iType]];
  const size = nodes[i + iSize];
  total += size;
  const t = byType.get(type) ?? { count: 0, size: 0 };
  t.count++;
  t.size += size;
  byType.set(type, t);
  // Objects by constructor; the other kinds (code, strings, arrays, closures' contexts…) by kind and name.
  const key =
    type === 'object'
      ? strings[nodes[i + iName]]
      : `(${type}) ${type === 'code' || type === 'hidden' || type === 'array' ? strings[nodes[i + iName]].slice(0, 40) : ''}`.trim();
  const c = byCtor.get(key) ?? { count: 0, size: 0 };
  c.count++;
  c.size += size;
  byCtor.set(key, c);
}
const mb = (n) => (n / 1024 / 1024).toFixed(2);
console.log(`${path}: ${nodes.length / width} nodes, ${mb(total)} MB self size in total`);
console.log('\nby kind:');
for (const [type, v] of [...byType].sort((a, b) => b[1].size - a[1].size))
  console.log(`  ${mb(v.size).padStart(8)} MB ${String(v.count).padStart(9)}  ${type}`);
console.log(`\ntop ${top} by constructor / kind:`);
for (const [key, v] of [...byCtor].sort((a, b) => b[1].size - a[1].size).slice(0, top))
  console.log(`  ${mb(v.size).padStart(8)} MB ${String(v.count).padStart(9)}  ${key}`);
