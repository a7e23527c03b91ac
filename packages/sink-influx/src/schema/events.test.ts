import { describe, expect, it } from 'vitest';
import { callServiceEvent, genericEvent, T } from '../../test/fixtures/events.js';
import { createSchemaMapper } from './mapper.js';

const map = createSchemaMapper({ tags: { instance: 'home' } });

describe('non-state events', () => {
  it('writes call_service with domain/service tags, context ids and the service data as JSON', () => {
    const [point] = map(callServiceEvent('light', 'turn_on', { entity_id: ['light.desk'], brightness: 200 }));
    expect(point).toEqual({
      measurement: 'events',
      tags: expect.objectContaining({
        event_type: 'call_service',
        domain: 'light',
        service: 'turn_on',
        instance: 'home',
      }),
      fields: expect.objectContaining({
        context_id: '01HCTX',
        context_parent_id: '01HPARENT',
        context_user_id: 'user-1',
        service_data: '{"entity_id":["light.desk"],"brightness":200}',
      }),
      time: T,
    });
  });

  it('writes automation_triggered with the automation’s domain as a tag and its id, name and source as fields', () => {
    const [point] = map(
      genericEvent('automation_triggered', { name: 'Lights at dusk', entity_id: 'automation.dusk', source: 'sun' }),
    );
    expect({ ...point?.tags }).toEqual({ event_type: 'automation_triggered', domain: 'automation', instance: 'home' });
    expect(point?.fields).toMatchObject({ entity_id: 'automation.dusk', name: 'Lights at dusk', source: 'sun' });
  });

  it('writes script_started without a source', () => {
    const [point] = map(genericEvent('script_started', { name: 'Wake up', entity_id: 'script.wake' }));
    expect(point?.fields).toMatchObject({ entity_id: 'script.wake', name: 'Wake up' });
    expect(point?.fields).not.toHaveProperty('source');
  });

  it('writes any other event with its data as JSON, and a data field even without context', () => {
    const [point] = createSchemaMapper({ eventsMeasurement: 'ha_events' })(
      genericEvent('homeassistant_start', {}, null),
    );
    expect(point).toEqual({
      measurement: 'ha_events',
      tags: { event_type: 'homeassistant_start' },
      fields: { data: '{}' },
      time: T,
    });
  });
});
