// Issue 14 (memory): where a process's memory goes, from inside it. Preload it into any node process:
//   node --expose-gc --import=./bench/memory-probe.mjs <script> …   with
//   MEMORY_PROBE_FILE=<file>        one JSON line appended per sample (required; without it the probe does nothing)
//   MEMORY_PROBE_AT=<s>[,<s>…]      seconds after start to sample (default 10)
//   MEMORY_PROBE_SNAPSHOT=<dir>     also write a heap snapshot per sample there (after the GC)
// A sample: a full GC first when --expose-gc is given (then heapUsed is the live heap), process.memoryUsage(),
// v8.getHeapSpaceStatistics() (committed and used bytes per space, code_space included) and VmRSS/VmHWM/RssAnon/
// RssFile from /proc/self/status. The timers are unref'd: the probe never keeps a process alive.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout } from 'node:timers';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

const file = process.env.MEMORY_PROBE_FILE;
const MB = 1024 * 1024;
const mb = (bytes) => Math.round((bytes / MB) * 10) / 10;

function procStatus(field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? null : mb(Number(m[1]) * 1024);
}

function sample(at) {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  const usage = process.memoryUsage();
  const spaces = {};
  for (const s of getHeapSpaceStatistics())
    spaces[s.space_name] = { committed: mb(s.physical_space_size), used: mb(s.space_used_size) };
  const record = {
    at,
    pid: process.pid,
    argv: process.argv.slice(1).join(' ').slice(0, 200),
    gc: typeof globalThis.gc === 'function',
    rss: mb(usage.rss),
    vmHwm: procStatus('VmHWM'),
    // Anonymous (private: heaps, stacks, malloc) and file-backed (the node binary's pages, shared) parts of RSS.
    rssAnon: procStatus('RssAnon'),
    rssFile: procStatus('RssFile'),
    heapTotal: mb(usage.heapTotal),
    heapUsed: mb(usage.heapUsed),
    external: mb(usage.external),
    arrayBuffers: mb(usage.arrayBuffers),
    spaces,
  };
  const dir = process.env.MEMORY_PROBE_SNAPSHOT;
  if (dir) record.snapshot = writeHeapSnapshot(join(dir, `probe-${process.pid}-${at}s.heapsnapshot`));
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

if (file) {
  const times = (process.env.MEMORY_PROBE_AT ?? '10').split(',').map(Number);
  for (const at of times) setTimeout(() => sample(at), at * 1000).unref();
}
