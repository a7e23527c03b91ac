import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { pipeline } from '../src/builder/pipeline.js';
import type { Enricher } from '../src/component/enricher.js';
import type { PipelineBuilder } from '../src/builder/types.js';
import type { Sink } from '../src/component/sink.js';
import type { Source } from '../src/component/source.js';

interface StateEv {
  readonly event_type: 'state_changed';
  readonly entity_id: string;
  readonly state: string;
  readonly time_fired: number;
}
interface ServiceEv {
  readonly event_type: 'call_service';
  readonly data: { readonly domain: string };
  readonly time_fired: number;
}

declare const states: Source<StateEv>;
declare const services: Source<ServiceEv>;
declare function enricher<In, Added extends object>(fn: (e: In) => Added): Enricher<In, Added>;
declare function sink<T>(): Sink<T>;

/** The event type a builder carries. */
type EventOfBuilder<B> = B extends PipelineBuilder<infer E> ? E : never;

describe('pipeline builder types', () => {
  it('starts with the source event type', () => {
    expectTypeOf<EventOfBuilder<ReturnType<typeof pipeline<[typeof states]>>>>().toEqualTypeOf<StateEv>();
  });

  it('widens the event type through .use()', () => {
    const _b = pipeline(states).use(
      enricher((e: { entity_id: string }) => ({ area: e.entity_id.length > 3 ? 'kitchen' : 'hall' })),
    );
    expectTypeOf<EventOfBuilder<typeof _b>>().toEqualTypeOf<{
      readonly event_type: 'state_changed';
      readonly entity_id: string;
      readonly state: string;
      readonly time_fired: number;
      area: string;
    }>();
  });

  it('overwrites a field an enricher retypes (state: string → number)', () => {
    const _b = pipeline(states).use(enricher((e: StateEv) => ({ state: Number(e.state) })));
    expectTypeOf<EventOfBuilder<typeof _b>['state']>().toEqualTypeOf<number>();
    expectTypeOf<EventOfBuilder<typeof _b>['entity_id']>().toEqualTypeOf<string>();
  });

  it('unions the events of two sources and merges enrichers into each member', () => {
    const _b = pipeline(states, services);
    expectTypeOf<EventOfBuilder<typeof _b>>().toEqualTypeOf<StateEv | ServiceEv>();
    const _widened = _b.use(enricher((_e: { time_fired: number }) => ({ hour: 1 })));
    type W = EventOfBuilder<typeof _widened>;
    expectTypeOf<Extract<W, { event_type: 'call_service' }>['hour']>().toEqualTypeOf<number>();
    expectTypeOf<Extract<W, { event_type: 'state_changed' }>['entity_id']>().toEqualTypeOf<string>();
  });

  it('makes validate() set E to the schema output', () => {
    const schema = z.object({ entity_id: z.string(), value: z.coerce.number() });
    const _b = pipeline(states).validate(schema);
    expectTypeOf<EventOfBuilder<typeof _b>>().toEqualTypeOf<{ entity_id: string; value: number }>();
  });

  it('narrows E with a type-guard filter and keeps E with a predicate', () => {
    const _b = pipeline(states, services).filter((e): e is StateEv => e.event_type === 'state_changed');
    expectTypeOf<EventOfBuilder<typeof _b>>().toEqualTypeOf<StateEv>();
    const _kept = pipeline(states, services).filter((e) => e.time_fired > 0);
    expectTypeOf<EventOfBuilder<typeof _kept>>().toEqualTypeOf<StateEv | ServiceEv>();
  });

  it('rejects an enricher whose input needs a field E lacks', () => {
    const needsArea = enricher((e: { area: string }) => ({ floor: e.area }));
    // @ts-expect-error StateEv has no `area`: the enricher's input is not met
    pipeline(states).use(needsArea);
    // after an enricher adds it, the same enricher is fine
    pipeline(states)
      .use(enricher((_e: StateEv) => ({ area: 'x' })))
      .use(needsArea);
  });

  it('rejects a sink that needs a field E lacks, accepts a sink of a supertype', () => {
    // @ts-expect-error StateEv has no `area`
    pipeline(states).to(sink<{ area: string }>());
    // @ts-expect-error a union member (ServiceEv) lacks entity_id
    pipeline(states, services).to(sink<{ entity_id: string }>());
    pipeline(states).to(sink<{ entity_id: string }>());
    pipeline(states).to(sink<unknown>());
    pipeline(states, services).to(sink<{ time_fired: number }>());
  });

  it('keeps the event type after select, dedupe and to', () => {
    const _b = pipeline(states)
      .select({ include: { domains: ['light'] } })
      .dedupe()
      .to(sink<StateEv>());
    expectTypeOf<EventOfBuilder<typeof _b>>().toEqualTypeOf<StateEv>();
  });
});
