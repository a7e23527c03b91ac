import { ErrorCode, isSdkError, millisToMicros } from '@ha-ingestor/core';
import { waitOrAbort } from '@ha-ingestor/core/resilience';
import type { BoundedMap } from '@ha-ingestor/core/resilience';
import type { EpochMicros, HaEvent, SdkError, SourceContext } from '@ha-ingestor/core';
import { entitiesInScope, fetchHistoryChunk, planChunks } from '../recovery/backfill.js';
import type { CheckpointTracker, TrackedEntry } from '../recovery/checkpoint-tracker.js';
import type { EntityScope } from '../recovery/entity-scope.js';
import type { HaConnection } from '../connection/connection.js';
import type { InboundBuffer } from './inbound-buffer.js';
import type { ResolvedHaWebSocketOptions } from '../options.js';
import type { SourceMetrics } from '../source-metrics.js';

/** A pending gap fetch: from (exclusive, epoch µs) to now, plus the checkpoint holds it lifts when done. */
export interface BackfillRequest {
  from: EpochMicros;
  readonly releases: (() => void)[];
  readonly reason: string;
}

/** State shared by the connect loop (writer) and the delivery loop (reader). */
export interface SharedState {
  connection: HaConnection | undefined;
  backfill: BackfillRequest | undefined;
  /**
   * While set, nothing is emitted (neither backfill nor live events; the socket is still read into the
   * buffer): the first registry sync must land before the first event, or early events would miss
   * their area/device enrichment.
   */
  gate?: Promise<void> | undefined;
}

/** What the delivery loop needs. */
export interface DeliveryDeps {
  readonly ctx: SourceContext<HaEvent>;
  readonly options: ResolvedHaWebSocketOptions;
  readonly sourceName: string;
  readonly stage: string;
  readonly shared: SharedState;
  readonly buffer: InboundBuffer;
  readonly tracker: CheckpointTracker;
  /**
   * Keys recently emitted, with the HA time they are tracked at (a bounded map, oldest inserted forgotten
   * first): the identity dedupe at the live/backfill seam. Live events whose key came through backfill are
   * skipped, and backfill rows already delivered live are skipped. Issue 14: a key whose time is at or below
   * the checkpoint watermark is forgotten once acknowledged — a backfill fetches only what is newer than the
   * watermark (and a gap's hold keeps the watermark below the gap until its backfill is through), so such a
   * key can no longer meet its copy at the seam; the pipeline's dedupe stage still catches any other copy.
   * Before, the map held its full 100,000 keys at any rate (~10 MB of live heap, every key promoted to the
   * old generation and dropped there later).
   */
  readonly recent: BoundedMap<string, EpochMicros>;
  readonly metrics: SourceMetrics;
  /** Entities known since the checkpoint (added to the backfill scope). */
  readonly scope: EntityScope;
  /** Runs after acknowledgements (persists the checkpoint, throttled). */
  readonly onAcked: () => void;
  /** The loop's own stop signal (aborts when run() ends). */
  readonly signal: AbortSignal;
}

/**
 * Asks the delivery loop to fetch the gap after `from` before it releases more live events. Pins the
 * checkpoint at `from` until the backfilled events are tracked. Requests merge (earliest `from` wins).
 */
export function requestBackfill(
  deps: Pick<DeliveryDeps, 'shared' | 'tracker' | 'buffer'>,
  from: EpochMicros,
  reason: string,
): void {
  const release = deps.tracker.hold(from + 1);
  const current = deps.shared.backfill;
  if (current === undefined) deps.shared.backfill = { from, releases: [release], reason };
  else {
    current.from = Math.min(current.from, from);
    current.releases.push(release);
  }
  deps.buffer.interrupt();
}

/**
 * Feeds the pipeline from the inbound buffer with `emitBatch` (backpressure stops only this loop,
 * never the socket reader) and runs requested backfills first, so backfilled changes precede the live
 * events buffered meanwhile. Live events whose key was already emitted are skipped (seam dedupe).
 */
export async function runDeliveryLoop(deps: DeliveryDeps): Promise<void> {
  const { buffer, signal, options } = deps;
  while (!signal.aborted) {
    const gate = deps.shared.gate;
    if (gate !== undefined) {
      await waitOrAbort(gate, signal);
      continue;
    }
    const request = deps.shared.backfill;
    const connection = deps.shared.connection;
    if (request !== undefined && connection !== undefined) {
      deps.shared.backfill = undefined;
      await runBackfill(deps, connection, request);
      continue;
    }
    await buffer.waitForData(signal);
    if (signal.aborted) break;
    if (deps.shared.backfill !== undefined && deps.shared.connection !== undefined) continue;
    const items = buffer.take(options.emitBatchSize);
    if (items.length === 0) continue;
    const events: HaEvent[] = [];
    const entries: TrackedEntry[] = [];
    const skipped: TrackedEntry[] = [];
    // Issue 14: the seam dedupe is only needed when backfill can deliver keys that also come live; with
    // backfill off, live keys are neither checked nor remembered (the pipeline's dedupe stage still runs).
    if (!options.backfill.enabled) {
      for (const item of items) {
        events.push(item.event);
        entries.push(item.entry);
      }
      await emitTracked(deps, events, entries);
      continue;
    }
    for (const item of items) {
      if (deps.recent.has(item.event.key)) {
        skipped.push(item.entry);
        continue;
      }
      deps.recent.set(item.event.key, item.entry.time);
      events.push(item.event);
      entries.push(item.entry);
    }
    if (skipped.length > 0) {
      deps.metrics.duplicates(skipped.length);
      deps.tracker.ack(skipped);
    }
    if (events.length > 0) await emitTracked(deps, events, entries);
    // Issue 14: with a backlog, waitForData and an accepting emitBatch resolve at once, so without this the loop
    // drained every buffered event in one macrotask — socket reads, batch timers and HTTP responses waited
    // behind it (event-loop stalls of hundreds of ms). One turn per batch of `emitBatchSize` lets them in.
    if (buffer.size() > 0) await nextTurn();
  }
}

// --- internal ---

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Forgets seam keys at or below the watermark (see {@link DeliveryDeps.recent}). Keys are inserted in about
 * the order of their times, so the walk stops at the first newer key: amortised constant work per event. A key
 * that arrived out of order stays until the walk reaches it (the map's bound still holds).
 */
function forgetSettledKeys(deps: DeliveryDeps): void {
  if (deps.recent.size() === 0) return;
  const watermark = deps.tracker.watermark();
  if (watermark === undefined) return;
  for (const [key, time] of deps.recent) {
    if (time > watermark) return;
    deps.recent.delete(key);
  }
}

async function emitTracked(deps: DeliveryDeps, events: HaEvent[], entries: TrackedEntry[]): Promise<void> {
  await deps.ctx.emitBatch(events, {
    onHandled: () => {
      deps.tracker.ack(entries);
      forgetSettledKeys(deps);
      deps.onAcked();
    },
    onFailed: (error: SdkError) => {
      // Not durable: forget the keys so a backfill may bring the state changes back, and pin the checkpoint.
      deps.ctx.logger.warn(
        { err: error, events: events.length },
        'pipeline could not make events durable; scheduling a backfill',
      );
      for (const e of events) deps.recent.delete(e.key);
      const from = deps.tracker.watermark();
      if (from !== undefined && deps.options.backfill.enabled) requestBackfill(deps, from, 'pipeline failure');
      deps.tracker.ack(entries);
    },
  });
}

async function runBackfill(deps: DeliveryDeps, connection: HaConnection, request: BackfillRequest): Promise<void> {
  const { ctx, options, metrics } = deps;
  const nowUs = millisToMicros(ctx.now());
  const maxGapUs = millisToMicros(options.backfill.maxGapMs);
  let from = request.from;
  if (nowUs - from > maxGapUs) {
    metrics.truncated();
    ctx.logger.warn(
      { gapMs: Math.round((nowUs - from) / 1000), maxGapMs: options.backfill.maxGapMs },
      'gap is longer than backfill.maxGapMs (HA recorder retention): only the most recent part is fetched, older state changes are lost',
    );
    from = nowUs - maxGapUs;
  }
  metrics.gap();
  ctx.logger.info(
    { fromUs: from, reason: request.reason, gapMs: Math.round((nowUs - from) / 1000) },
    'backfilling gap from the recorder (state changes only: other events in the gap are not recoverable)',
  );
  let emitted = 0;
  try {
    const entityIds = await entitiesInScope(connection, options.backfill.entityIds, () => deps.scope.ids(undefined));
    for (const chunk of planChunks(from, nowUs, options.backfill.chunkMs, true)) {
      if (deps.signal.aborted) throw new Error('stopped');
      const result = await fetchHistoryChunk({
        connection,
        chunk,
        entityIds,
        source: deps.sourceName,
        mode: 'backfill',
        receivedAt: millisToMicros(ctx.now()),
      });
      for (const bad of result.invalid) {
        ctx.deadLetter({
          stage: deps.stage,
          reason: 'invalid_history_row',
          message: `history row of ${bad.entityId} is not {s,a,lu,lc?}`,
          raw: bad.row,
        });
      }
      const fresh = result.events.filter((e) => e.last_updated > request.from && !deps.recent.has(e.key));
      ctx.logger.debug(
        { entities: entityIds.length, chunkStart: chunk.start, rows: result.events.length, fresh: fresh.length },
        'backfill chunk',
      );
      for (let i = 0; i < fresh.length; i += options.emitBatchSize) {
        const batch = fresh.slice(i, i + options.emitBatchSize);
        const entries = batch.map((e) => deps.tracker.track(e.time_fired));
        for (let j = 0; j < batch.length; j++)
          deps.recent.set((batch[j] as HaEvent).key, (entries[j] as TrackedEntry).time);
        await emitTracked(deps, batch, entries);
        emitted += batch.length;
        metrics.backfilled(batch.length);
      }
    }
  } catch (error) {
    if (deps.signal.aborted) {
      for (const r of request.releases) r();
      return;
    }
    if (isSdkError(error, ErrorCode.COMMAND_FAILED)) {
      // HA refused the query (e.g. invalid_entity_ids): retrying the same query cannot help.
      ctx.report(error);
      ctx.logger.error(
        { err: error, emitted },
        'backfill failed: HA refused the history query; the gap is not recovered',
      );
      for (const r of request.releases) r();
      return;
    }
    // Connection lost mid-way: keep the holds and try again on the next connection.
    ctx.logger.warn({ err: error, emitted }, 'backfill interrupted; retrying after reconnect');
    const current = deps.shared.backfill;
    if (current === undefined) deps.shared.backfill = request;
    else {
      current.from = Math.min(current.from, request.from);
      current.releases.push(...request.releases);
    }
    if (deps.shared.connection === connection) deps.shared.connection = undefined;
    return;
  }
  // Every backfilled event is tracked now: the holds are no longer needed.
  for (const r of request.releases) r();
  ctx.logger.info({ emitted }, 'backfill complete');
}
