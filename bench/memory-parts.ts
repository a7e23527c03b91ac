/** Issue 14: where an ingestor's RSS is, by part (V8 spaces, external, outside V8), ours next to the peer. */
import type { MemoryBreakdown } from './e2e/protocol.js';
import { fmt, row } from './util.js';

/** Issue 14: the RSS of ours and the peer at the end of their 2,000/s windows, by where it is. */
export function memoryLines(
  ours: MemoryBreakdown,
  peer: MemoryBreakdown,
  title = '4 2,000/s, end of window: RSS by part',
): string[] {
  const out = [row([title, 'ours MB', 'peer MB', 'ours − peer'])];
  out.push(row(['---', '---:', '---:', '---:']));
  for (const [label, a, b] of memoryParts(ours).map((p, i) => [p[0], p[1], memoryParts(peer)[i]?.[1] ?? 0] as const))
    out.push(row([label, fmt(a, 1), fmt(b, 1), fmt(a - b, 1)]));
  out.push(
    row(['**RSS**', fmt(ours.rssMb, 1), fmt(peer.rssMb, 1), `${fmt(ours.rssMb / Math.max(1e-9, peer.rssMb))}×`]),
  );
  out.push(row(['of which live V8 objects (all spaces)', fmt(ours.heapUsedMb, 1), fmt(peer.heapUsedMb, 1), '']));
  return out;
}

/** RSS split into V8's spaces (resident), external memory and the rest; the parts sum to the RSS. */
export function memoryParts(m: MemoryBreakdown): (readonly [string, number])[] {
  const sp = (...names: string[]) => names.reduce((sum, n) => sum + (m.spacesMb[n] ?? 0), 0);
  const newSpace = sp('new_space', 'new_large_object_space');
  const oldSpace = sp('old_space', 'large_object_space');
  const code = sp('code_space', 'code_large_object_space');
  const heapAll = Object.values(m.spacesMb).reduce((a, b) => a + b, 0);
  const otherSpaces = heapAll - newSpace - oldSpace - code;
  return [
    ['V8 new space (young generation)', newSpace],
    ['V8 old space + large objects', oldSpace],
    ['V8 code space', code],
    ['V8 other spaces (maps, read-only, shared)', otherSpaces],
    ['external (buffers V8 knows of)', m.externalMb],
    ['outside V8 (node, libraries, malloc, stacks)', m.rssMb - heapAll - m.externalMb],
  ];
}

/** The parts on one line (for the scripts that print a run at a time), with the heap in use. */
export function memoryPartsLine(m: MemoryBreakdown): string {
  const parts = memoryParts(m).map(([part, mb]) => `${part} ${mb.toFixed(1)}`);
  return `${parts.join('; ')}; heap used ${m.heapUsedMb.toFixed(1)} MB`;
}
