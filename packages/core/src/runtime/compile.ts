import type { StageSpec } from '../builder/types.js';
import type { AnyEnricher, AnySink } from '../component/any.js';
import type { StageContext } from '../component/context.js';
import { createDelivery, type Delivery, type DeliveryDeps } from '../delivery/delivery.js';
import { resolveDeliveryOptions } from '../delivery/options.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import { newSinkCheck, type SinkCheck } from '../observability/health.js';
import { createDedupeStore, dedupeStage, type DedupeStore } from '../stages/dedupe.js';
import { resolveDedupeOptions } from '../stages/dedupe-options.js';
import { enrichStage } from '../stages/enrich.js';
import { eventTimeStage } from '../stages/event-time.js';
import { filterStage } from '../stages/filter.js';
import type { StageBatch, StageRunner } from '../stages/stage.js';
import { validateStage } from '../stages/validate.js';
import type { CapabilityTable } from './capabilities.js';
import type { Counters } from './stats.js';

/** One sink tap: the sink, its delivery and the state of its healthchecks. */
export interface SinkTap {
  readonly sink: AnySink;
  readonly delivery: Delivery;
  readonly check: SinkCheck;
}

/** What the builder's stage list compiles to. */
export interface CompiledStages {
  /** In order, the built-in event-time stage first. */
  readonly runners: readonly StageRunner[];
  /** Enrichers to start and close, in order. */
  readonly enrichers: readonly AnyEnricher[];
  /** Dedupe stores, for the in-flight count and for clearing at stop. */
  readonly dedupeStores: readonly DedupeStore[];
  readonly taps: readonly SinkTap[];
}

/** What compiling needs from the runtime. */
export interface CompileEnv {
  readonly ctx: StageContext;
  /** What the pipeline provides: every enricher's needs are checked against it here. */
  readonly capabilities: CapabilityTable;
  readonly counters: Counters;
  readonly deps: DeliveryDeps;
  /** A sink durably accepted or outboxed a batch (the pipeline emits `written`). */
  readonly onWritten: (sink: string, events: readonly unknown[]) => void;
}

/**
 * Compiles the stage specs into runners: options are parsed here (CONFIG_INVALID at `build()`), each
 * sink tap gets its own delivery, sink names must be unique, and every capability an enricher needs must
 * have exactly one provider (CONFIG_INVALID naming the enricher otherwise).
 */
export function compileStages(specs: readonly StageSpec[], env: CompileEnv): CompiledStages {
  const { ctx, counters } = env;
  const enrichers: AnyEnricher[] = [];
  const dedupeStores: DedupeStore[] = [];
  const taps: SinkTap[] = [];
  const runners = specs.map((spec): StageRunner => {
    switch (spec.kind) {
      case 'validate':
        return validateStage(spec.schema);
      case 'filter':
        return filterStage(spec.name, spec.predicate);
      case 'dedupe': {
        // Copies held back on an in-flight first copy settle outside the stage loop: count them here.
        const evicted = ctx.metrics.counter(
          'dedupe_series_evicted_total',
          'Dedupe series forgotten because maxSeries was reached (series names come from outside)',
        );
        const store = createDedupeStore(resolveDedupeOptions(spec.options), ctx.now, {
          duplicates: (n) => counters.drop('duplicate', n),
          failed: (n) => {
            counters.failed += n;
          },
          evicted: (n) => evicted.inc(n),
        });
        dedupeStores.push(store);
        return dedupeStage(store);
      }
      case 'enrich':
        for (const [hook, capability] of Object.entries(spec.enricher.needs ?? {})) {
          env.capabilities.require(capability, { consumer: spec.enricher.name, hook });
        }
        enrichers.push(spec.enricher);
        return enrichStage(spec.enricher);
      case 'sink': {
        if (taps.some((t) => t.sink.name === spec.sink.name)) {
          throw new SdkError(
            ErrorCode.CONFIG_INVALID,
            `pipeline: two sinks are named "${spec.sink.name}"; sink names must be unique`,
          );
        }
        const delivery = createDelivery(spec.sink, resolveDeliveryOptions(spec.delivery, spec.sink.name), {
          ctx,
          counters,
          deps: env.deps,
          onWritten: env.onWritten,
        });
        taps.push({ sink: spec.sink, delivery, check: newSinkCheck() });
        return {
          name: `sink:${spec.sink.name}`,
          run: (batch: StageBatch) => delivery.push(batch.events, batch.groups),
        };
      }
    }
  });
  // First, always: the one event-time rule every sink relies on (issue 11, stages/event-time.ts).
  return { runners: [eventTimeStage(), ...runners], enrichers, dedupeStores, taps };
}
