import type { PipelineStats } from '@ha-ingestor/core';

/** Reasons that are intentional (not loss): shown apart from real drops. */
const INTENTIONAL = new Set(['duplicate', 'filtered']);

/** Sum of events dropped for reasons other than dedupe and filters. */
export function lostCount(stats: PipelineStats): number {
  return (
    Object.entries(stats.dropped).reduce((n, [reason, count]) => (INTENTIONAL.has(reason) ? n : n + count), 0) +
    stats.failed
  );
}

/** One live status line: rate, written, dropped, lag. */
export function liveLine(stats: PipelineStats, ratePerSecond: number, lagMs: number | undefined): string {
  const written = Object.values(stats.written).reduce((a, b) => a + b, 0);
  const dedup = stats.dropped['duplicate'] ?? 0;
  const lag = lagMs === undefined ? '–' : `${(lagMs / 1000).toFixed(2)} s`;
  return `events/s ${ratePerSecond.toFixed(0).padStart(5)} | received ${stats.received} | written ${written} | deduplicated ${dedup} | dropped ${lostCount(stats)} | in flight ${stats.inFlight} | lag ${lag}`;
}

/** The final summary: received, written per sink, dropped by reason. */
export function finalSummary(stats: PipelineStats, seconds: number): string {
  const lines = [
    `summary after ${seconds.toFixed(1)} s`,
    `  received      ${stats.received}`,
    `  processed     ${stats.processed}`,
    ...Object.entries(stats.written).map(([sink, n]) => `  written       ${n} (${sink})`),
    ...Object.entries(stats.outboxed)
      .filter(([, n]) => n > 0)
      .map(([sink, n]) => `  outboxed      ${n} (${sink})`),
    `  deduplicated  ${stats.dropped['duplicate'] ?? 0}`,
    `  filtered      ${stats.dropped['filtered'] ?? 0}`,
    `  dead-lettered ${stats.deadLettered}`,
    `  failed        ${stats.failed}`,
    `  dropped       ${lostCount(stats)}${formatReasons(stats)}`,
  ];
  return lines.join('\n');
}

// --- internal ---

function formatReasons(stats: PipelineStats): string {
  const parts = Object.entries(stats.dropped).filter(([reason, n]) => !INTENTIONAL.has(reason) && n > 0);
  return parts.length === 0 ? '' : ` (${parts.map(([r, n]) => `${r}: ${n}`).join(', ')})`;
}
