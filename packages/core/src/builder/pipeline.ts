import type { z } from 'zod';
import type { Enricher } from '../component/enricher.js';
import type { AnySource } from '../component/any.js';
import type { Capability, Needs, Provided } from '../component/capability.js';
import type { PipelineProvision } from '../runtime/capabilities.js';
import type { EventOf, Merge, MissingProviders, PipelineBuilder, ProvidedOf, StageSpec } from './types.js';
import type { DedupeOptions } from '../stages/dedupe-options.js';
import type { DeliveryOptions } from '../delivery/options.js';
import type { FilterRules } from '../stages/filter.js';
import type { Pipeline } from '../runtime/types.js';
import type { PipelineOptions } from '../runtime/options.js';
import { ConfigError } from '../model/errors.js';
import { compileFilterRules } from '../stages/filter.js';
import { createRuntime } from '../runtime/runtime.js';
import type { Sink } from '../component/sink.js';
import type { Source } from '../component/source.js';

/**
 * Starts a typed pipeline from one or more sources. The event type is the union of the sources' events;
 * what they provide (e.g. the WebSocket source's registry) is handed to the enrichers that need it.
 *
 * @example
 * const p = pipeline(haWebSocketSource({ url, token }))
 *   .select({ exclude: { domains: ['automation'] } })
 *   .dedupe()
 *   .use(registryEnricher()) // the registry the WebSocket source keeps in sync
 *   .use(timeContext())
 *   .to(fileSink({ dir: './data' }))
 *   .build();
 * await p.start();
 */
export function pipeline<const S extends readonly Source<unknown, Provided>[]>(
  ...sources: S
): PipelineBuilder<EventOf<S[number]>, ProvidedOf<S[number]>> {
  return makeBuilder<EventOf<S[number]>, ProvidedOf<S[number]>>(sources as unknown as readonly AnySource[], [], []);
}

// --- internal ---

function makeBuilder<E, P extends Provided>(
  sources: readonly AnySource[],
  stages: readonly StageSpec[],
  provisions: readonly PipelineProvision[],
): PipelineBuilder<E, P> {
  const next = <N>(stage: StageSpec): PipelineBuilder<N, P> =>
    makeBuilder<N, P>(sources, [...stages, stage], provisions);
  const filter = (predicate: (event: E) => boolean) =>
    next<E>({ kind: 'filter', predicate: predicate as (event: unknown) => boolean, name: 'filter' });
  return {
    use: (<Added extends object, N extends Needs>(enricher: Enricher<E, Added, N> & MissingProviders<N, P>) =>
      next<Merge<E, Added>>({ kind: 'enrich', enricher })) as PipelineBuilder<E, P>['use'],
    provide: <Name extends string, T>(capability: Capability<Name, T>, value: T) => {
      if (provisions.some((p) => p.capability.name === capability.name)) {
        throw new ConfigError(`pipeline: "${capability.name}" is provided twice with .provide(); provide it once`, [
          { path: capability.name, message: 'provided twice' },
        ]);
      }
      return makeBuilder<E, P & { readonly [K in Name]: T }>(sources, stages, [...provisions, { capability, value }]);
    },
    validate: <S extends z.ZodType>(schema: S) => next<z.output<S>>({ kind: 'validate', schema }),
    filter: filter as PipelineBuilder<E, P>['filter'],
    select: (rules: FilterRules) => next<E>({ kind: 'filter', predicate: compileFilterRules(rules), name: 'select' }),
    dedupe: (options: DedupeOptions = {}) => next<E>({ kind: 'dedupe', options }),
    // The parameter's field check is for the compiler only; what arrives here is a Sink of a supertype of E.
    to: ((sink: Sink<E>, delivery: DeliveryOptions = {}) =>
      next<E>({ kind: 'sink', sink, delivery })) as PipelineBuilder<E, P>['to'],
    build: (options: PipelineOptions = {}): Pipeline => createRuntime({ sources, stages, provisions, options }),
  };
}
