import { createGuard, errorMessage } from '@ha-ingestor/core';
import type {
  CheckpointStore,
  EpochMicros,
  Guard,
  HaEvent,
  Logger,
  RegistryStore,
  SourceContext,
} from '@ha-ingestor/core';
import { createBoundedMap } from '@ha-ingestor/core/resilience';
import { requestBackfill, runDeliveryLoop } from '../intake/delivery-loop.js';
import type { SharedState } from '../intake/delivery-loop.js';
import { createInboundBuffer } from '../intake/inbound-buffer.js';
import type { InboundBuffer } from '../intake/inbound-buffer.js';
import { createCheckpointTracker } from '../recovery/checkpoint-tracker.js';
import type { CheckpointTracker } from '../recovery/checkpoint-tracker.js';
import { createCheckpointWriter } from '../recovery/checkpoint-writer.js';
import type { CheckpointWriter, HaWebSocketCheckpoint } from '../recovery/checkpoint-writer.js';
import { createEntityScope } from '../recovery/entity-scope.js';
import type { EntityScope } from '../recovery/entity-scope.js';
import { REGISTRY_EVENT_TYPES, defaultCheckpointKey } from '../options.js';
import type { ResolvedHaWebSocketOptions } from '../options.js';
import { createRegistrySync } from '../registry-sync.js';
import type { RegistrySync } from '../registry-sync.js';
import { createSourceMetrics } from '../source-metrics.js';
import type { SourceMetrics } from '../source-metrics.js';

const RECENT_KEYS = 100_000;

/** What the run has seen so far: written by the connect loop and its sessions, read by the buffer's overflow. */
export interface RunProgress {
  /** Where a gap starts while nothing is tracked yet: the saved checkpoint, else the first connect's time. */
  baseline: EpochMicros | undefined;
  /** A session has ended: from then on a gap is a reconnect, not a restart. */
  everConnected: boolean;
  /** The first registry sync succeeded: later sessions no longer hold emission for it. */
  registryLoaded: boolean;
}

/** The first fatal error found outside the connect loop (the delivery loop failing, a refused subscription). */
export interface FatalLatch {
  /** Records `error` (the first one wins) and aborts the run's signal, which ends the connect loop. */
  readonly fail: (error: unknown) => void;
  readonly error: () => unknown;
}

/** Everything one `run()` of the source holds across its sessions: the parts, and the state they share. */
export interface SourceRun {
  readonly sourceName: string;
  readonly stage: string;
  readonly options: ResolvedHaWebSocketOptions;
  readonly ctx: SourceContext<HaEvent>;
  readonly guard: Guard;
  readonly logger: Logger;
  readonly metrics: SourceMetrics;
  /** Aborts on stop (`ctx.signal`) or on a fatal error; the connect loop and each session run until then. */
  readonly signal: AbortSignal;
  readonly fatal: FatalLatch;
  /** The checkpoint loaded at start (epoch µs), if there was one. */
  readonly savedTime: EpochMicros | undefined;
  readonly progress: RunProgress;
  readonly tracker: CheckpointTracker;
  readonly scope: EntityScope;
  /** Written by sessions (connection, registry gate) and the buffer (backfill), read by the delivery loop. */
  readonly shared: SharedState;
  readonly buffer: InboundBuffer;
  readonly checkpoint: CheckpointWriter;
  readonly registrySync: RegistrySync | undefined;
  /** Subscribed on every connect: the configured types, plus the registry events when syncing. */
  readonly eventTypes: readonly string[];
  /** The delivery loop: settles once it stops (never rejects), stopped by `deliveryAbort`. */
  readonly delivery: Promise<void>;
  readonly deliveryAbort: AbortController;
}

/** What {@link openSourceRun} takes: the parsed options, the pipeline's context and the source's store hooks. */
export interface SourceRunInput {
  readonly sourceName: string;
  readonly options: ResolvedHaWebSocketOptions;
  readonly ctx: SourceContext<HaEvent>;
  readonly checkpoints: CheckpointStore | undefined;
  readonly registry: RegistryStore | undefined;
}

/**
 * Loads the checkpoint and opens the parts of a run: inbound buffer, checkpoint tracker and writer,
 * backfill scope, registry sync, and the delivery loop (started here, stopped by {@link closeSourceRun}).
 */
export async function openSourceRun(input: SourceRunInput): Promise<SourceRun> {
  const { sourceName, options, ctx } = input;
  const stage = `source:${sourceName}`;
  const guard = createGuard(ctx, stage);
  const logger = ctx.logger.child({ source: sourceName });
  const metrics = createSourceMetrics(ctx.metrics, sourceName);
  const checkpointKey = options.checkpointKey ?? defaultCheckpointKey(options.url);
  const saved =
    input.checkpoints === undefined ? undefined : await input.checkpoints.load<HaWebSocketCheckpoint>(checkpointKey);
  const savedTime = typeof saved?.time === 'number' && Number.isFinite(saved.time) ? saved.time : undefined;
  const tracker = createCheckpointTracker(savedTime);
  const shared: SharedState = { connection: undefined, backfill: undefined };
  // Backfill scope beyond get_states, persisted with the checkpoint (see entity-scope.ts).
  const scope = createEntityScope(
    Array.isArray(saved?.entities) ? saved.entities.filter((e) => typeof e === 'string') : [],
  );
  const deliveryAbort = new AbortController();
  const fatalAbort = new AbortController();
  const signal = AbortSignal.any([ctx.signal, fatalAbort.signal]);
  const fatal = createFatalLatch(fatalAbort);
  const registrySync: RegistrySync | undefined =
    input.registry !== undefined && options.registry.enabled
      ? createRegistrySync({
          store: input.registry,
          debounceMs: options.registry.debounceMs,
          maxWaitMs: options.registry.maxWaitMs,
          guard,
        })
      : undefined;
  const eventTypes = [...new Set([...options.eventTypes, ...(registrySync === undefined ? [] : REGISTRY_EVENT_TYPES)])];
  const progress: RunProgress = { baseline: savedTime, everConnected: false, registryLoaded: false };

  const buffer = createInboundBuffer({
    maxEvents: options.inboundBuffer.maxEvents,
    spillDir: options.inboundBuffer.spillDir,
    maxSpillEvents: options.inboundBuffer.maxSpillEvents,
    tracker,
    onDepth: metrics.depth,
    onOverflow: (event) => {
      metrics.overflow();
      if (shared.backfill !== undefined) return;
      logger.warn({ key: event.key }, 'inbound buffer full: dropping events and marking a gap for backfill');
      const from = tracker.watermark() ?? progress.baseline;
      if (from !== undefined && options.backfill.enabled)
        requestBackfill({ shared, tracker, buffer }, from, 'inbound overflow');
    },
  });

  const checkpoint = createCheckpointWriter({
    store: input.checkpoints,
    key: checkpointKey,
    intervalMs: options.checkpointIntervalMs,
    watermark: () => tracker.watermark(),
    entities: (watermark) => scope.ids(watermark),
    guard,
  });
  const delivery = runDeliveryLoop({
    ctx,
    options,
    sourceName,
    stage,
    shared,
    buffer,
    tracker,
    recent: createBoundedMap<string, EpochMicros>({ max: RECENT_KEYS, eviction: 'insertion' }),
    metrics,
    scope,
    onAcked: checkpoint.schedule,
    signal: deliveryAbort.signal,
  }).catch((error: unknown) => {
    // The pipeline refused events while the source still runs: nothing could be delivered any more.
    if (!deliveryAbort.signal.aborted && !ctx.signal.aborted) fatal.fail(error);
  });

  return {
    sourceName,
    stage,
    options,
    ctx,
    guard,
    logger,
    metrics,
    signal,
    fatal,
    savedTime,
    progress,
    tracker,
    scope,
    shared,
    buffer,
    checkpoint,
    registrySync,
    eventTypes,
    delivery,
    deliveryAbort,
  };
}

/** Closes the parts in order: the delivery loop and registry sync stop, the buffer closes, the checkpoint is saved. */
export async function closeSourceRun(run: SourceRun): Promise<void> {
  run.deliveryAbort.abort();
  run.registrySync?.stop();
  await run.delivery;
  run.buffer.close();
  await run.checkpoint.flush();
}

/** After the connect loop ended: rethrows the fatal error that ended the run, unless the source was stopped. */
export function throwIfFatal(run: SourceRun): void {
  const error = run.fatal.error();
  if (error !== undefined && !run.ctx.signal.aborted) {
    run.ctx.setStatus({ connected: false, message: errorMessage(error) });
    throw error;
  }
}

// --- internal ---

function createFatalLatch(abort: AbortController): FatalLatch {
  let first: unknown;
  return {
    fail: (error) => {
      first ??= error;
      abort.abort();
    },
    error: () => first,
  };
}
