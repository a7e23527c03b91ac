import { describe, expect, it } from 'vitest';
import { sanitiseLevel, topicOf } from './topic.js';

describe('topicOf', () => {
  it('puts a state change on <prefix>/<domain>/<object_id>', () => {
    expect(topicOf({ event_type: 'state_changed', entity_id: 'sensor.kitchen_temp' }, 'p/q', 128)).toBe(
      'p/q/sensor/kitchen_temp',
    );
    expect(
      topicOf({ event_type: 'state_changed', entity_id: 'x.y', domain: 'light', object_id: 'hall' }, 'p', 128),
    ).toBe('p/light/hall');
  });
  it('puts other events on <prefix>/_events/<event_type>', () => {
    expect(topicOf({ event_type: 'call_service' }, 'p', 128)).toBe('p/_events/call_service');
    expect(topicOf({ event_type: 'my/custom+#event' }, 'p', 128)).toBe('p/_events/my_custom__event');
  });
});

describe('sanitiseLevel', () => {
  it('replaces /, +, #, NUL, control characters and lone surrogates with _', () => {
    expect(sanitiseLevel('a/b+c#d\u0000e\nf\u007fg', 64)).toBe('a_b_c_d_e_f_g');
    expect(sanitiseLevel('x\ud800y', 64)).toBe('x_y');
    expect(sanitiseLevel('emoji😀ok', 64)).toBe('emoji😀ok');
  });
  it('leaves HA names alone and makes an empty level _', () => {
    expect(sanitiseLevel('living_room_temperature_2', 64)).toBe('living_room_temperature_2');
    expect(sanitiseLevel('', 64)).toBe('_');
  });
  it('cuts an over-long level at a character boundary and appends a hash that keeps long names apart', () => {
    const a = sanitiseLevel(`${'é'.repeat(100)}a`, 32);
    const b = sanitiseLevel(`${'é'.repeat(100)}b`, 32);
    expect(Buffer.byteLength(a, 'utf8')).toBeLessThanOrEqual(32);
    expect(a).toMatch(/^(é)+~[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(sanitiseLevel(`${'é'.repeat(100)}a`, 32)).toBe(a);
  });
});
