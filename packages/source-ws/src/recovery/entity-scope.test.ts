import { describe, expect, it } from 'vitest';
import { createEntityScope } from './entity-scope.js';

describe('createEntityScope', () => {
  it('keeps a removed entity in scope until the checkpoint passes its removal', () => {
    const scope = createEntityScope(['light.a']);
    scope.seen('sensor.tag', 100, false);
    scope.seen('sensor.tag', 200, true);
    expect(scope.ids(150).sort()).toEqual(['light.a', 'sensor.tag']);
    expect(scope.ids(200)).toEqual(['light.a']);
    expect(scope.has('sensor.tag')).toBe(false);
  });

  it('forgets a removal when the entity comes back', () => {
    const scope = createEntityScope();
    scope.seen('sensor.tag', 100, true);
    scope.addAll(['sensor.tag']);
    expect(scope.ids(1_000)).toEqual(['sensor.tag']);
  });
});
