// Issue 20: the builder's field check and its messages. The first lines of real compile errors are
// asserted in packages/enrichers/src/type-errors.test.ts (compiler API); here, the types themselves.
import { describe, expectTypeOf, it } from 'vitest';
import { pipeline } from '../src/builder/pipeline.js';
import type { FieldError, FieldHint, FitsFields } from '../src/builder/field-hints.js';
import type { BuilderEvent, PipelineBuilder } from '../src/builder/types.js';
import type { Sink } from '../src/component/sink.js';
import type { Source } from '../src/component/source.js';

// Field names no enricher package registers in FieldProviders (the whole workspace is one program).
interface Ev {
  readonly entity_id: string;
  readonly state: string;
  readonly maybe?: string;
}
interface Other {
  readonly event_type: string;
}
declare const evs: Source<Ev>;
declare const others: Source<Other>;
declare function sink<A>(): Sink<A>;

describe('field hints', () => {
  it('passes the component through when every event fits', () => {
    expectTypeOf<FitsFields<Ev, { entity_id: string }, 'ok', 'fallback', 'sink'>>().toEqualTypeOf<'ok'>();
    expectTypeOf<FitsFields<Ev, unknown, 'ok', 'fallback', 'sink'>>().toEqualTypeOf<'ok'>();
  });

  it('names missing fields, with the generic hint for unregistered ones', () => {
    expectTypeOf<FieldHint<Ev, { zz_one: number }, 'fallback', 'sink'>>().toEqualTypeOf<
      FieldError<'missing field `zz_one`: add an enricher that adds it before this sink'>
    >();
    expectTypeOf<FieldHint<Ev, { zz_one: number; zz_two: number }, 'fallback', 'enricher'>>().toEqualTypeOf<
      FieldError<'missing fields `zz_one`, `zz_two`: add an enricher that adds them before this enricher'>
    >();
  });

  it('tells fields some events lack, fields only optionally there, and type clashes apart', () => {
    expectTypeOf<FieldHint<Ev | Other, { entity_id: string }, 'fallback', 'sink'>>().toEqualTypeOf<
      FieldError<'field `entity_id` is missing from some events here: .filter() to those that have it, or add an enricher that adds it'>
    >();
    expectTypeOf<FieldHint<Ev, { maybe: string }, 'fallback', 'sink'>>().toEqualTypeOf<
      FieldError<'field `maybe` may be absent here, but this sink requires it: make it optional in its input type'>
    >();
    expectTypeOf<FieldHint<Ev, { state: number }, 'fallback', 'sink'>>().toEqualTypeOf<
      'fallback' & FieldError<'field `state` has a type here that this sink does not accept'>
    >();
  });

  it('checks .to() and .use() with it, and still infers the input from a contextually typed component', () => {
    // @ts-expect-error missing field `zz_one`
    pipeline(evs).to(sink<{ zz_one: number }>());
    // @ts-expect-error missing field `zz_one`
    pipeline(evs).use({ kind: 'enricher', name: 'e', enrich: (e: { zz_one: number }) => ({ n: e.zz_one }) });
    const _b = pipeline(evs)
      .use({ kind: 'enricher', name: 'len', enrich: (e) => ({ len: e.state.length }) })
      .to({ kind: 'sink', name: 's', write: async (batch) => void batch.map((e) => e.len + e.entity_id.length) });
    expectTypeOf<BuilderEvent<typeof _b>>().toEqualTypeOf<{
      readonly entity_id: string;
      readonly state: string;
      readonly maybe?: string;
      len: number;
    }>();
  });

  it('keeps PipelineBuilder covariant in its event type', () => {
    expectTypeOf<PipelineBuilder<Ev>>().toExtend<PipelineBuilder<unknown>>();
    expectTypeOf<PipelineBuilder<Ev>>().toExtend<PipelineBuilder<{ readonly entity_id: string }>>();
    expectTypeOf<PipelineBuilder<{ readonly entity_id: string }>>().not.toExtend<PipelineBuilder<Ev>>();
    expectTypeOf<BuilderEvent<ReturnType<typeof pipeline<[Source<Ev>, Source<Other>]>>>>().toEqualTypeOf<Ev | Other>();
    pipeline(others).to(sink<{ event_type: string }>());
  });
});
