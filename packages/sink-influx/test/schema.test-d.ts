import type { HaEvent, Merge, StateChangedEvent } from '@ha-ingestor/core';
import type { Point } from '@ha-ingestor/core/line-protocol';
import { describe, expectTypeOf, it } from 'vitest';
import { createSchemaMapper, type PointsBatch, type SchemaOptions } from '../src/index.js';

describe('schema mapper types', () => {
  const map = createSchemaMapper();

  it('accepts every core event and enriched variants of them', () => {
    expectTypeOf(map).toBeCallableWith({} as HaEvent);
    expectTypeOf(map).toBeCallableWith({} as Merge<StateChangedEvent, { area: string; labels: string[] }>);
    expectTypeOf(map.toPointsBatch).toBeCallableWith([] as HaEvent[]);
    expectTypeOf(map.toPointsBatch).returns.toEqualTypeOf<PointsBatch>();
    expectTypeOf(map).returns.toEqualTypeOf<Point[]>();
  });

  it('rejects objects that are not events', () => {
    // @ts-expect-error: no event_type / time_fired
    map({ entity_id: 'sensor.x' });
  });

  it('types the options from the schema (all optional on input)', () => {
    expectTypeOf<Record<never, never>>().toExtend<SchemaOptions>();
    // @ts-expect-error: unknown kind
    createSchemaMapper({ kind: 'typed' });
  });
});
