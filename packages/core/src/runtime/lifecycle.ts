import type { AnyEnricher, AnySource } from '../component/any.js';
import type { StageContext } from '../component/context.js';
import { ErrorCode, SdkError, toSdkError } from '../model/errors.js';
import { runSinkCheck, type SourceState } from '../observability/health.js';
import type { Signal } from '../primitives/signal.js';
import { waitOrAbort } from '../primitives/wait.js';
import type { DedupeStore } from '../stages/dedupe.js';
import type { AckGroup, AckTracker } from './ack.js';
import type { CapabilityTable } from './capabilities.js';
import type { PipelineChannel } from './channel.js';
import type { SinkTap } from './compile.js';
import type { ProcessingLoop } from './processing-loop.js';
import type { BoundedQueue } from './queue.js';
import { runSources } from './source-runner.js';
import type { Counters } from './stats.js';

/** The parts of a pipeline the lifecycle drives (built once by createRuntime). */
export interface RuntimeParts {
  readonly sources: readonly AnySource[];
  /** What the sources provide and who took it (sources ask through `SourceContext.consumed`). */
  readonly capabilities: CapabilityTable;
  readonly sourceStates: Map<string, SourceState>;
  readonly ctx: StageContext;
  readonly channel: PipelineChannel;
  readonly counters: Counters;
  readonly tracker: AckTracker;
  readonly intake: BoundedQueue<unknown, AckGroup>;
  readonly loop: ProcessingLoop;
  readonly enrichers: readonly AnyEnricher[];
  readonly dedupeStores: readonly DedupeStore[];
  readonly taps: readonly SinkTap[];
  /** Aborted by `stop()`: sources resolve their `run`. */
  readonly sourceAbort: AbortController;
  /** The stage signal (`ctx.signal`): aborted when stop gives up, and once everything is closed. */
  readonly hard: AbortController;
  readonly stopTimeoutMs: number;
  /** Wakes the `idle()` calls waiting when a source fails fatally. */
  readonly fatalRaised: Signal;
}

/** What changes while a pipeline runs, in one record (issue 12: it was a dozen `let`s in one closure). */
export interface Lifecycle {
  phase: 'new' | 'starting' | 'running' | 'stopping' | 'stopped';
  startPromise: Promise<void> | undefined;
  stopPromise: Promise<void> | undefined;
  /** Settles when the processing loop returned. */
  loopDone: Promise<void>;
  /** Settles when every source's `run` settled. */
  sourcesDone: Promise<void>;
  /** Adds the events the sources emitted since the last call to `events_received_total`. */
  flushSourceMetrics: () => void;
  /** The first fatal source error. */
  fatal: SdkError | undefined;
}

/** A lifecycle before `start()`. */
export function newLifecycle(): Lifecycle {
  const settled = Promise.resolve();
  return {
    phase: 'new',
    startPromise: undefined,
    stopPromise: undefined,
    loopDone: settled,
    sourcesDone: settled,
    flushSourceMetrics: () => undefined,
    fatal: undefined,
  };
}

/** Opens the sinks (healthcheck failures are reported, not fatal), their deliveries, the enrichers, the loop, then the sources. */
export async function startPipeline(parts: RuntimeParts, life: Lifecycle): Promise<void> {
  const { ctx, channel } = parts;
  life.phase = 'starting';
  for (const t of parts.taps) {
    try {
      await t.sink.open?.(ctx);
      await runSinkCheck(t.sink, t.check, ctx.now, parts.hard.signal);
    } catch (error) {
      // Not fatal: nothing is lost while the sink is down (outbox or onFailed), and health shows it.
      t.check.ok = false;
      t.check.message ??= toSdkError(error).message;
      channel.report(toSdkError(error, ErrorCode.SINK_UNAVAILABLE, `sink:${t.sink.name}`));
    }
    await t.delivery.start();
  }
  for (const e of parts.enrichers) await e.start?.(ctx);
  life.loopDone = parts.loop
    .run()
    .catch((error: unknown) => channel.report(toSdkError(error, ErrorCode.INTERNAL, 'pipeline')));
  life.phase = 'running';
  const running = runSources(parts.sources, parts.sourceStates, {
    intake: parts.intake,
    capabilities: parts.capabilities,
    tracker: parts.tracker,
    counters: parts.counters,
    ctx,
    signal: parts.sourceAbort.signal,
    emitStatus: (name, status) => channel.emitSafely(() => channel.events.emit('source:status', name, status)),
    onFatal: (error) => {
      life.fatal ??= error;
      parts.fatalRaised.notify();
    },
  });
  life.sourcesDone = running.done;
  life.flushSourceMetrics = running.flushMetrics;
}

/**
 * The ordered stop (see `Pipeline.stop`): abort the sources and wait for them, drain the stages and the
 * deliveries (all within `stopTimeoutMs`, then every pending event fails with TIMEOUT), then close enrichers,
 * deliveries and sinks, each failure reported and the next step run anyway.
 */
export async function stopPipeline(parts: RuntimeParts, life: Lifecycle): Promise<void> {
  const { channel, taps } = parts;
  if (life.startPromise !== undefined) await life.startPromise.catch(channel.report);
  life.phase = 'stopping';
  const deadline = new AbortController();
  const expired = waitOrAbort(parts.stopTimeoutMs, deadline.signal).then(() => false);
  parts.sourceAbort.abort(new SdkError(ErrorCode.ABORTED, 'pipeline stopping'));
  for (const t of taps) t.delivery.beginStop();
  let finished = await Promise.race([life.sourcesDone.then(() => true), expired]);
  parts.intake.close();
  if (finished) finished = await Promise.race([drained(parts).then(() => true), expired]);
  deadline.abort();
  if (!finished) {
    parts.loop.giveUp();
    const error = new SdkError(
      ErrorCode.TIMEOUT,
      `pipeline stop timed out after ${parts.stopTimeoutMs} ms; pending events failed`,
    );
    channel.report(error);
    parts.hard.abort(error);
    for (const t of taps) t.delivery.abort(error);
    for (const g of [...parts.tracker.open]) g.fail(error);
  }
  // After a timeout the loop may be stuck in a stage that never settles (e.g. a hung async enricher): its
  // events were failed above, so don't let it hang stop too.
  if (finished) await life.loopDone;
  for (const e of parts.enrichers) await settle(e.close?.(), channel.report);
  for (const t of taps) {
    await settle(t.delivery.close(), channel.report);
    await settle(t.sink.close?.(), channel.report);
  }
  // Normally empty by now; after a timeout, entries still open fail (with the copies held on them).
  for (const s of parts.dedupeStores) s.clear();
  life.flushSourceMetrics();
  // Everything is closed: release whatever still listens on the stage signal (pollers, sockets).
  if (!parts.hard.signal.aborted) parts.hard.abort(new SdkError(ErrorCode.ABORTED, 'pipeline stopped'));
  life.phase = 'stopped';
}

/**
 * Resolves when every source's `run` finished and everything is handled, or rejects with the first fatal
 * source error. Issue 12: each call used to leave a fatal-error waiter behind for good; now the wait is
 * given up, and removed, when the call settles, whichever way.
 */
export async function waitIdle(parts: RuntimeParts, life: Lifecycle): Promise<void> {
  if (life.fatal !== undefined) throw life.fatal;
  const done = new AbortController();
  const failed = parts.fatalRaised.wait(done.signal).then((raised) => {
    if (raised && life.fatal !== undefined) throw life.fatal;
  });
  try {
    await Promise.race([life.sourcesDone, failed]);
    if (life.fatal !== undefined) throw life.fatal;
    await Promise.race([drained(parts), failed]);
  } finally {
    done.abort();
  }
}

/** Events inside the pipeline now: intake, the stage batch, sink buffers and copies held by dedupe. */
export function inFlight(parts: RuntimeParts): number {
  const { intake, loop, taps, dedupeStores } = parts;
  return (
    intake.length() +
    loop.processing() +
    taps.reduce((n, t) => n + t.delivery.buffered(), 0) +
    dedupeStores.reduce((n, s) => n + s.waitingCount(), 0)
  );
}

// --- internal ---

/** Waits until the intake is empty, every batcher flushed and every sink write settled. */
async function drained(parts: RuntimeParts): Promise<void> {
  const { intake, loop, taps } = parts;
  for (;;) {
    await loop.whenIdle();
    for (const t of taps) t.delivery.flush();
    await Promise.all(taps.map((t) => t.delivery.whenIdle()));
    if (intake.length() === 0 && loop.processing() === 0) return;
  }
}

/** Awaits a close step; its failure is reported, never thrown, so the other steps still run. */
async function settle(step: Promise<void> | void | undefined, report: (error: unknown) => void): Promise<void> {
  try {
    await step;
  } catch (error) {
    report(error);
  }
}
