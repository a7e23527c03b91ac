import type { SourceStatus } from '../component/context.js';
import type { DeliveryStatus } from '../delivery/delivery.js';
import { toSdkError } from '../model/errors.js';
import type { AnySink } from '../component/any.js';
import type { ComponentHealth, HealthState, PipelineHealth } from '../runtime/types.js';
import type { WhenFull } from '../outbox/options.js';

/** What the runtime knows about one source. */
export interface SourceState {
  phase: 'idle' | 'running' | 'finished' | 'failed';
  status: SourceStatus | undefined;
  error: string | undefined;
}

/** The last healthcheck (or open) result of one sink. */
export interface SinkCheck {
  ok: boolean | undefined;
  message: string | undefined;
  checkedAt: number | undefined;
  responseTimeMs: number | undefined;
}

/** Creates the initial state of a sink's checks. */
export function newSinkCheck(): SinkCheck {
  return { ok: undefined, message: undefined, checkedAt: undefined, responseTimeMs: undefined };
}

/** Runs `sink.healthcheck` (when it has one) and records the outcome and response time in `check`. */
export async function runSinkCheck(
  sink: AnySink,
  check: SinkCheck,
  now: () => number,
  signal: AbortSignal,
): Promise<void> {
  if (sink.healthcheck === undefined) return;
  const started = performance.now();
  try {
    await sink.healthcheck(signal);
    check.ok = true;
    check.message = undefined;
  } catch (error) {
    check.ok = false;
    check.message = toSdkError(error).message;
    throw error;
  } finally {
    check.checkedAt = now();
    check.responseTimeMs = Math.round((performance.now() - started) * 1000) / 1000;
  }
}

/**
 * Aggregates component health into one status (the worst). Sources: connected or running → ok,
 * disconnected → degraded, failed → down. Sinks: breaker open, outbox full or holding entries, or failed
 * last check → degraded.
 */
export function aggregateHealth(
  sources: ReadonlyMap<string, SourceState>,
  sinks: readonly { readonly name: string; readonly delivery: DeliveryStatus; readonly check: SinkCheck }[],
): PipelineHealth {
  const components: ComponentHealth[] = [];
  for (const [name, s] of sources) components.push(sourceHealth(name, s));
  for (const sink of sinks) components.push(sinkHealth(sink.name, sink.delivery, sink.check));
  return { status: worst(components.map((c) => c.status)), components };
}

/** The worse of health states (`down` > `degraded` > `ok`). */
export function worst(states: readonly HealthState[]): HealthState {
  if (states.includes('down')) return 'down';
  if (states.includes('degraded')) return 'degraded';
  return 'ok';
}

// --- internal ---

function sourceHealth(name: string, s: SourceState): ComponentHealth {
  if (s.phase === 'failed') return { name, kind: 'source', status: 'down', message: s.error ?? 'failed' };
  if (s.phase === 'finished') return { name, kind: 'source', status: 'ok', message: 'finished' };
  if (s.status === undefined) return { name, kind: 'source', status: 'ok', message: s.phase };
  return {
    name,
    kind: 'source',
    status: s.status.connected ? 'ok' : 'degraded',
    message: s.status.message ?? (s.status.connected ? 'connected' : 'disconnected'),
  };
}

const FULL_CONSEQUENCE: Record<WhenFull, string> = {
  block: 'blocking',
  'drop-oldest': 'dropping the oldest events',
  'drop-newest': 'refusing new batches',
};

function sinkHealth(name: string, d: DeliveryStatus, c: SinkCheck): ComponentHealth {
  const problems: string[] = [];
  if (d.breaker !== 'closed') problems.push(`circuit breaker ${d.breaker}`);
  // Issue 11: a full outbox stalled the pipeline with nothing visible; now health says so and what it means.
  if (d.outboxFull !== undefined)
    problems.push(
      `outbox full, ${FULL_CONSEQUENCE[d.outboxFull.whenFull]} (${d.outboxFull.bytes} of ${d.outboxFull.maxBytes} bytes)`,
    );
  if (d.outboxRecords > 0) problems.push(`${d.outboxRecords} events waiting in the outbox`);
  if (c.ok === false) problems.push(`healthcheck failed: ${c.message ?? 'unknown error'}`);
  if (d.lastError !== undefined && problems.length === 0) problems.push(`last write failed: ${d.lastError.message}`);
  return {
    name,
    kind: 'sink',
    status: problems.length === 0 ? 'ok' : 'degraded',
    acceptingWrites: c.ok !== false && d.breaker !== 'open',
    ...(problems.length === 0 ? {} : { message: problems.join('; ') }),
    ...(c.checkedAt === undefined ? {} : { checkedAt: c.checkedAt }),
    ...(c.responseTimeMs === undefined ? {} : { responseTimeMs: c.responseTimeMs }),
  };
}
