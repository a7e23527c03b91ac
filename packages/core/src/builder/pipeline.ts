import type { z } from 'zod';
import type { Enricher } from '../component/enricher.js';
import type { AnySource } from '../component/any.js';
import type { EventOf, Merge, PipelineBuilder, StageSpec } from './types.js';
import type { DedupeOptions } from '../stages/dedupe-options.js';
import type { DeliveryOptions } from '../delivery/options.js';
import type { FilterRules } from '../stages/filter.js';
import type { Pipeline } from '../runtime/types.js';
import type { PipelineOptions } from '../runtime/options.js';
import { compileFilterRules } from '../stages/filter.js';
import { createRuntime } from '../runtime/runtime.js';
import type { Sink } from '../component/sink.js';
import type { Source } from '../component/source.js';

/**
 * Starts a typed pipeline from one or more sources. The event type is the union of the sources' events.
 *
 * @example
 * const p = pipeline(haWebSocketSource({ url, token }))
 *   .select({ exclude: { domains: ['automation'] } })
 *   .dedupe()
 *   .use(timeContext())
 *   .to(fileSink({ dir: './data' }))
 *   .build();
 * await p.start();
 */
export function pipeline<const S extends readonly Source<unknown>[]>(...sources: S): PipelineBuilder<EventOf<S[number]>> {
  return makeBuilder<EventOf<S[number]>>(sources as unknown as readonly AnySource[], []);
}

// --- internal ---

function makeBuilder<E>(sources: readonly AnySource[], stages: readonly StageSpec[]): PipelineBuilder<E> {
  const next = <N>(stage: StageSpec): PipelineBuilder<N> => makeBuilder<N>(sources, [...stages, stage]);
  const filter = (predicate: (event: E) => boolean) =>
    next<E>({ kind: 'filter', predicate: predicate as (event: unknown) => boolean, name: 'filter' });
  return {
    use: <Added extends object>(enricher: Enricher<E, Added>) => next<Merge<E, Added>>({ kind: 'enrich', enricher }),
    validate: <S extends z.ZodType>(schema: S) => next<z.output<S>>({ kind: 'validate', schema }),
    filter: filter as PipelineBuilder<E>['filter'],
    select: (rules: FilterRules) => next<E>({ kind: 'filter', predicate: compileFilterRules(rules), name: 'select' }),
    dedupe: (options: DedupeOptions = {}) => next<E>({ kind: 'dedupe', options }),
    to: (sink: Sink<E>, delivery: DeliveryOptions = {}) => next<E>({ kind: 'sink', sink, delivery }),
    build: (options: PipelineOptions = {}): Pipeline => createRuntime({ sources, stages, options }),
  };
}
