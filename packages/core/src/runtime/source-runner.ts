import { AckGroup, type AckTracker } from './ack.js';
import type { Ack, SourceStatus, StageContext } from '../component/context.js';
import { ErrorCode, type SdkError, isSdkError, toSdkError } from '../model/errors.js';
import type { SourceState } from '../observability/health.js';
import type { AnySource } from '../component/any.js';
import type { CapabilityTable } from './capabilities.js';
import type { BoundedQueue } from './queue.js';
import type { SourceContext } from '../component/source.js';
import type { Counters } from './stats.js';

/** What running sources need from the runtime. */
export interface SourceRunnerEnv {
  readonly intake: BoundedQueue<unknown, AckGroup>;
  /** Answers `SourceContext.consumed`. */
  readonly capabilities: CapabilityTable;
  readonly tracker: AckTracker;
  readonly counters: Counters;
  /** The pipeline's stage context; sources get their own signal and a child logger. */
  readonly ctx: StageContext;
  /** Aborted by `stop()`: sources resolve their `run`. */
  readonly signal: AbortSignal;
  /** Emits `source:status` (guarded against throwing listeners). */
  readonly emitStatus: (source: string, status: SourceStatus) => void;
  /** A source's `run` rejected with a fatal error (already reported). */
  readonly onFatal: (error: SdkError) => void;
}

/** Running sources: their states (for health) and one promise settling when every `run` has settled. */
export interface RunningSources {
  readonly states: ReadonlyMap<string, SourceState>;
  readonly done: Promise<void>;
  /**
   * Adds the events emitted since the last call to `events_received_total{source}`. `emit` only bumps a
   * number (a labelled prom-client `inc` allocates); the runtime calls this once per stage batch and on stop.
   */
  readonly flushMetrics: () => void;
}

/** Creates one idle state per source (health before start). */
export function initialSourceStates(sources: readonly AnySource[]): Map<string, SourceState> {
  return new Map(sources.map((s) => [s.name, { phase: 'idle', status: undefined, error: undefined }]));
}

/**
 * Runs every source with its {@link SourceContext}. `emit` and `emitBatch` resolve once the intake queue
 * accepted the events (waiting, in order, when it is full) and return one shared resolved promise on the
 * fast path, so a synchronous producer allocates no Promise per event. An emit the queue can no longer
 * take (stop began while it waited for space, or the queue closed) rejects with ABORTED and fails its ack.
 */
export function runSources(
  sources: readonly AnySource[],
  states: Map<string, SourceState>,
  env: SourceRunnerEnv,
): RunningSources {
  const tallies: ReceivedTally[] = [];
  const runs = sources.map(async (source) => {
    const state = states.get(source.name) as SourceState;
    state.phase = 'running';
    const tally: ReceivedTally = { metric: env.ctx.metrics.eventsReceived.labels({ source: source.name }), pending: 0 };
    tallies.push(tally);
    try {
      await source.run(sourceContext(source, state, tally, env));
      state.phase = 'finished';
    } catch (caught) {
      if (env.signal.aborted && isSdkError(caught, ErrorCode.ABORTED)) {
        state.phase = 'finished';
        return;
      }
      const error = toSdkError(caught, ErrorCode.INTERNAL, `source:${source.name}`);
      state.phase = 'failed';
      state.error = error.message;
      env.ctx.metrics.sourceConnected.set({ source: source.name }, 0);
      env.ctx.report(error);
      env.onFatal(error);
    }
  });
  const flushMetrics = () => {
    for (const t of tallies) {
      if (t.pending === 0) continue;
      t.metric.inc(t.pending);
      t.pending = 0;
    }
  };
  return { states, done: Promise.all(runs).then(() => undefined), flushMetrics };
}

// --- internal ---

const RESOLVED: Promise<void> = Promise.resolve();

/** Events a source emitted that are not yet in its `events_received_total` child. */
interface ReceivedTally {
  readonly metric: { inc: (value: number) => void };
  pending: number;
}

function sourceContext(
  source: AnySource,
  state: SourceState,
  tally: ReceivedTally,
  env: SourceRunnerEnv,
): SourceContext<unknown> {
  const { intake, tracker, counters, ctx } = env;
  const { name } = source;
  const logger = ctx.logger.child({ source: name });

  /** The queue refused (closed after a stop timeout): the events were not accepted, so their ack fails. */
  const refused = (group: AckGroup, count: number, error: unknown): SdkError => {
    const e = toSdkError(error, ErrorCode.ABORTED, `source:${name}`);
    counters.failed += count;
    // The runtime may not flush again (it stopped): bring the metric up to date now (rare path).
    tally.metric.inc(tally.pending);
    tally.pending = 0;
    group.fail(e);
    return e;
  };
  const putRest = async (events: readonly unknown[], from: number, group: AckGroup) => {
    for (let i = from; i < events.length; i++) {
      try {
        // Issue 11: an emit waiting for queue space (a full outbox upstream of a dead database) held stop() for
        // its whole timeout. Stop aborts the sources' signal: the waiting emit is refused at once, its ack
        // fails and the source keeps the events for redelivery.
        await intake.put(events[i], group, env.signal);
      } catch (error) {
        throw refused(group, events.length - i, error);
      }
    }
  };

  return {
    ...ctx,
    signal: env.signal,
    logger,
    emit: (event: unknown, ack?: Ack) => {
      const group = new AckGroup(ack, 1, tracker);
      counters.received++;
      tally.pending++;
      try {
        if (intake.offer(event, group)) return RESOLVED;
      } catch (error) {
        return Promise.reject(refused(group, 1, error));
      }
      return putRest([event], 0, group);
    },
    emitBatch: (events: readonly unknown[], ack?: Ack) => {
      const group = new AckGroup(ack, events.length, tracker);
      counters.received += events.length;
      tally.pending += events.length;
      for (let i = 0; i < events.length; i++) {
        try {
          if (!intake.offer(events[i], group)) return putRest(events, i, group);
        } catch (error) {
          return Promise.reject(refused(group, events.length - i, error));
        }
      }
      return RESOLVED;
    },
    consumed: (capability) => env.capabilities.consumed(source, capability),
    setStatus: (status) => {
      state.status = status;
      ctx.metrics.sourceConnected.set({ source: name }, status.connected ? 1 : 0);
      logger.info(
        { connected: status.connected },
        `source ${name}: ${status.message ?? (status.connected ? 'connected' : 'disconnected')}`,
      );
      env.emitStatus(name, status);
    },
  };
}
