import { isSdkError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { callServiceEvent, stateEvent } from '../../test/fixtures/events.js';
import { createSchemaMapper } from './mapper.js';
import type { MappableEvent } from './types.js';

describe('createSchemaMapper', () => {
  it('maps a batch and records which event each point came from', () => {
    const map = createSchemaMapper();
    const batch: MappableEvent[] = [
      stateEvent('sensor.a', '1'),
      stateEvent('sensor.gone', null), // removed entity: no point
      callServiceEvent('light', 'turn_on', {}),
      stateEvent('sensor.b', '2'),
    ];
    const { points, owners, rejected } = map.toPointsBatch(batch);
    expect(points.map((p) => p.tags['entity_id'] ?? p.tags['event_type'])).toEqual(['a', 'call_service', 'b']);
    expect(owners).toEqual([0, 2, 3]);
    expect(rejected).toEqual([]);
  });

  it('rejects a malformed event with a reason and keeps mapping the rest', () => {
    const map = createSchemaMapper();
    const broken = { event_type: 'state_changed', time_fired: 1, state: 'on' } as MappableEvent;
    const noTime = { ...stateEvent('sensor.c', '1'), last_updated: Number.NaN, time_fired: Number.NaN };
    const { points, owners, rejected } = map.toPointsBatch([broken, stateEvent('sensor.a', '1'), noTime]);
    expect(owners).toEqual([1]);
    expect(points).toHaveLength(1);
    expect(rejected).toEqual([
      { index: 0, reason: 'mapping_invalid', message: 'state_changed event has no entity_id' },
      { index: 2, reason: 'mapping_invalid', message: expect.stringContaining('last_updated') },
    ]);
  });

  it('derives domain and object id from the entity id when the event lacks them', () => {
    const event = {
      event_type: 'state_changed',
      time_fired: 5,
      entity_id: 'sensor.kitchen_temp',
      state: '3',
      last_updated: 5,
    };
    expect(createSchemaMapper()(event)[0]?.tags).toEqual({ domain: 'sensor', entity_id: 'kitchen_temp' });
  });

  it('throws CONFIG_INVALID for unknown schema options', () => {
    try {
      createSchemaMapper({ kind: 'nope' } as never);
      expect.unreachable();
    } catch (error) {
      expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});
