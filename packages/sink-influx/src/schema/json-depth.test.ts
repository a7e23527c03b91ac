import { MAX_JSON_DEPTH } from '@ha-ingestor/core/json';
import { createTestContext } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { callServiceEvent, stateEvent } from '../../test/fixtures/events.js';
import { influxSink } from '../influx-sink.js';
import { nestsDeeperThan } from './json-depth.js';
import { createSchemaMapper } from './mapper.js';

/** A list nested `depth` levels deep, built in code (not parsed from JSON text, so no source refused it). */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('nestsDeeperThan', () => {
  it('counts [] and {} as one level and stops at the limit', () => {
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(nestsDeeperThan({ a: { b: 1 } }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: { b: {} } }, 2)).toBe(true);
    expect(nestsDeeperThan('text')).toBe(false);
  });

  it('walks 10,000 levels without recursion', () => {
    expect(nestsDeeperThan(nested(10_000))).toBe(true);
  });

  it('expands shared and cyclic objects once (linear time, like the [Circular] replacer)', () => {
    let shared: unknown[] = [];
    for (let i = 0; i < 30; i++) shared = [shared, shared]; // 2^30 paths, 31 objects
    expect(nestsDeeperThan(shared)).toBe(false);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(nestsDeeperThan(cyclic)).toBe(false);
  });
});

describe('mapping a value nested 10,000 levels deep (issue 11)', () => {
  const deep = nested(10_000);

  it.each(['ha', 'entity'] as const)(
    'schema %s rejects the event with json_too_deep naming the attribute, and maps the rest',
    (kind) => {
      const map = createSchemaMapper({ kind });
      const { points, owners, rejected } = map.toPointsBatch([
        stateEvent('sensor.a', '1'),
        stateEvent('sensor.deep', 'on', { forecast: deep }),
        stateEvent('sensor.b', '2'),
      ]);
      expect(owners).toEqual([0, 2]);
      expect(points).toHaveLength(2);
      expect(rejected).toEqual([
        {
          index: 1,
          reason: 'json_too_deep',
          message: `attribute "forecast" nests deeper than ${MAX_JSON_DEPTH} levels`,
        },
      ]);
    },
  );

  it('rejects deep tag attributes, event data and enriched labels the same way', () => {
    const map = createSchemaMapper({ kind: 'ha', tagsAttributes: ['friendly_name'] });
    const entity = createSchemaMapper({ kind: 'entity' });
    const cyclicLabel: Record<string, unknown> = {};
    cyclicLabel['name'] = cyclicLabel;
    const reasons = [
      map.toPointsBatch([stateEvent('sensor.t', '1', { friendly_name: deep })]).rejected,
      map.toPointsBatch([callServiceEvent('light', 'turn_on', { entity_id: deep })]).rejected,
      entity.toPointsBatch([stateEvent('sensor.l', '1', {}, { labels: deep })]).rejected,
      entity.toPointsBatch([stateEvent('sensor.c', '1', {}, { area: cyclicLabel })]).rejected,
    ].map((r) => r.map((x) => [x.reason, x.message]));
    expect(reasons).toEqual([
      [['json_too_deep', `attribute "friendly_name" nests deeper than ${MAX_JSON_DEPTH} levels`]],
      [['json_too_deep', `service_data nests deeper than ${MAX_JSON_DEPTH} levels`]],
      [['json_too_deep', `enriched field "labels" nests deeper than ${MAX_JSON_DEPTH} levels`]],
      [['json_too_deep', `enriched field "area" nests deeper than ${MAX_JSON_DEPTH} levels`]],
    ]);
  });

  it('reaches the sink as a rejected event, never a thrown RangeError (nothing is sent)', async () => {
    const sink = influxSink({ url: 'http://127.0.0.1:9', bucket: 'b' });
    const result = await sink.write([stateEvent('sensor.deep', 'on', { forecast: deep })], createTestContext());
    expect(result?.rejected).toEqual([
      { index: 0, reason: 'json_too_deep', message: expect.stringContaining('"forecast"') },
    ]);
    await sink.close?.();
  });
});
