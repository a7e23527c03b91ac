import type { StageContext } from '../component/context.js';
import { ErrorCode, SdkError, toSdkError } from '../model/errors.js';
import { createSignal } from '../primitives/signal.js';
import type { StageBatch, StageEnv, StageRunner } from '../stages/stage.js';
import { type AckGroup, releaseAll } from './ack.js';
import type { PipelineChannel } from './channel.js';
import type { BoundedQueue } from './queue.js';
import type { Counters } from './stats.js';

/** What the processing loop needs from the runtime. */
export interface ProcessingLoopEnv {
  readonly intake: BoundedQueue<unknown, AckGroup>;
  readonly runners: readonly StageRunner[];
  readonly ctx: StageContext;
  readonly counters: Counters;
  readonly channel: PipelineChannel;
  /** Events moved through the stages together. */
  readonly stageBatchSize: number;
  /** Called once per stage batch taken (the sources' received counters are flushed then). */
  readonly onTake: () => void;
}

/** The one loop moving stage batches from the intake queue through the stages. */
export interface ProcessingLoop {
  /** Runs until the intake is closed and empty; a stage's failure fails its batch, never the loop. */
  readonly run: () => Promise<void>;
  /** Resolves when the intake is empty and no stage batch is in progress. */
  readonly whenIdle: () => Promise<unknown>;
  /** Events taken from the intake and not through the stages yet. */
  readonly processing: () => number;
  /** Stop gave up: batches taken from now on fail with TIMEOUT instead of being processed. */
  readonly giveUp: () => void;
}

/**
 * Creates the processing loop. It takes up to `stageBatchSize` events at a time (arrays, no Promise per
 * event: synchronous stages return void) and counts drops per batch, not per event.
 */
export function createProcessingLoop(env: ProcessingLoopEnv): ProcessingLoop {
  const { intake, ctx, counters, channel } = env;
  const metrics = ctx.metrics;
  const intakeDepth = metrics.queueDepth.labels({ queue: 'intake' });
  const idle = createSignal(); // the intake ran empty with no batch in progress
  const batchDrops: Record<string, number> = {};
  const stageEnv: StageEnv = {
    ctx,
    drop: (group, reason) => {
      batchDrops[reason] = (batchDrops[reason] ?? 0) + 1;
      group.release(1);
    },
  };
  let processing = 0;
  let gaveUp = false;

  const runStages = async (batch: StageBatch) => {
    const started = performance.now();
    let failure: SdkError | undefined;
    try {
      for (const stage of env.runners) {
        if (batch.events.length === 0) break;
        const pending = stage.run(batch, stageEnv);
        if (pending !== undefined) await pending;
      }
    } catch (caught) {
      failure = toSdkError(caught, ErrorCode.INTERNAL, 'pipeline');
    }
    for (const reason in batchDrops) {
      counters.drop(reason, batchDrops[reason]);
      delete batchDrops[reason];
    }
    if (failure !== undefined) {
      // A bug or an aborted delivery: the events still in the batch are not durable.
      channel.report(failure);
      counters.failed += batch.events.length;
      for (const g of batch.groups) g.fail(failure);
      return;
    }
    metrics.processingDuration.observe((performance.now() - started) / 1000);
    const n = batch.events.length;
    counters.processed += n;
    metrics.eventsProcessed.inc(n);
    if (n > 0 && channel.events.listenerCount('processed') > 0)
      channel.emitSafely(() => channel.events.emit('processed', batch.events.slice()));
    releaseAll(batch.groups);
  };

  const failTaken = (batch: StageBatch) => {
    counters.failed += processing;
    const error = new SdkError(ErrorCode.TIMEOUT, 'pipeline stop timed out before these events were processed');
    for (const g of batch.groups) g.fail(error);
  };

  return {
    run: async () => {
      const batch: StageBatch = { events: [], groups: [] };
      for (;;) {
        if (intake.length() === 0) {
          idle.notify();
          if (intake.closed()) return;
          await intake.waitForItems();
          continue;
        }
        processing = intake.take(env.stageBatchSize, batch.events, batch.groups);
        intakeDepth.set(intake.length());
        env.onTake();
        if (gaveUp) failTaken(batch);
        else await runStages(batch);
        processing = 0;
        emptySlots(batch.events);
        emptySlots(batch.groups);
      }
    },
    whenIdle: () => (intake.length() === 0 && processing === 0 ? IDLE : idle.wait()),
    processing: () => processing,
    giveUp: () => {
      gaveUp = true;
    },
  };
}

// --- internal ---

const IDLE: Promise<boolean> = Promise.resolve(true);

/**
 * Empties a long-lived array, overwriting its slots first (issue 14). `length = 0` alone drops the backing
 * store as it is; when that store has become old (a batch slowed by backpressure outlived two scavenges), the
 * young-generation GC keeps treating its slots as roots until the next full GC, so everything they pointed to
 * was promoted. The batch is also not kept while the loop waits for the next one.
 */
function emptySlots(array: unknown[]): void {
  array.fill(undefined);
  array.length = 0;
}
