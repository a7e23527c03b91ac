import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Percentile (0–100) of a numeric sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** CPU seconds (user + system) used by this process since `since` (a process.cpuUsage() value). */
export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/** Runs `fn` repeatedly for at least `minMs` (and at least once), returning ops/s for `opsPerRun` ops per call. */
export async function throughput(
  fn: () => unknown,
  opsPerRun: number,
  minMs: number,
): Promise<{ opsPerSecond: number; runs: number; cpuSeconds: number }> {
  // Warm-up: one run so JIT and caches settle.
  await fn();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  let runs = 0;
  let elapsedMs = 0;
  do {
    await fn();
    runs++;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  } while (elapsedMs < minMs);
  return { opsPerSecond: (runs * opsPerRun * 1000) / elapsedMs, runs, cpuSeconds: cpuSeconds(cpu0) };
}

/** Event-loop delay monitor with a p99 in ms. */
export function eventLoopDelay(): { stop: () => { p50Ms: number; p99Ms: number; maxMs: number } } {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return {
    stop: () => {
      h.disable();
      return { p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
    },
  };
}

/** Memory snapshot in MB. */
export function memoryMb(): { rssMb: number; heapUsedMb: number } {
  const m = process.memoryUsage();
  return { rssMb: m.rss / 2 ** 20, heapUsedMb: m.heapUsed / 2 ** 20 };
}

/** One Markdown table row of the report. */
export function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Formats a number with a fixed number of significant decimals for tables. */
export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}
