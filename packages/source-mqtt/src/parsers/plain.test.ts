import { describe, expect, it } from 'vitest';
import { message, parserContext } from '../test-helpers.js';
import { createPlainParser } from './plain.js';

describe('plain parser', () => {
  it('maps named wildcards to the entity id template', () => {
    const p = createPlainParser({
      pattern: 'sensors/+room/+metric',
      entityId: 'sensor.{room}_{metric}',
      numeric: 'auto',
    });
    const r = p.parse(message('sensors/Living Room/temp', ' 21.5\n'), parserContext());
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      entity_id: 'sensor.living_room_temp',
      state: '21.5',
      attributes: {},
    });
  });

  it('keeps string payloads unless numeric is `always`', () => {
    const auto = createPlainParser({ pattern: 'x/+n', entityId: 'sensor.{n}', numeric: 'auto' });
    expect(auto.parse(message('x/door', 'open'), parserContext()).kind).toBe('events');
    const strict = createPlainParser({ pattern: 'x/+n', entityId: 'sensor.{n}', numeric: 'always' });
    expect(strict.parse(message('x/door', 'open'), parserContext())).toMatchObject({
      kind: 'invalid',
      reason: 'not_numeric',
    });
    expect(strict.parse(message('x/t', '-1.5e2'), parserContext()).kind).toBe('events');
  });

  it('supports #rest and {topic}', () => {
    const p = createPlainParser({ pattern: 'home/#rest', entityId: 'sensor.{rest}', numeric: 'auto' });
    const r = p.parse(message('home/a/b', '1'), parserContext());
    expect(r.kind === 'events' && r.events[0]?.entity_id).toBe('sensor.a_b');
  });

  it('dead-letters topics outside the pattern and templates giving no valid entity id', () => {
    const p = createPlainParser({ pattern: 'x/+n', entityId: '{n}', numeric: 'auto' });
    expect(p.parse(message('x/door', '1'), parserContext())).toMatchObject({
      kind: 'invalid',
      reason: 'invalid_entity_id',
    });
    expect(p.parse(message('y/door', '1'), parserContext())).toMatchObject({
      kind: 'invalid',
      reason: 'unexpected_topic',
    });
  });

  it('throws at build time when the template names a wildcard the pattern lacks', () => {
    expect(() => createPlainParser({ pattern: 'x/+n', entityId: 'sensor.{m}', numeric: 'auto' })).toThrow(
      /not a named wildcard/,
    );
  });
});
