import { describe, expect, it } from 'vitest';
import { generateEntityFilter } from './entity-filter.js';

const ids = ['light.kitchen', 'light.garden', 'sensor.kitchen_temp', 'sensor.power', 'switch.x'];
const pass = (f: ((id: string) => boolean) | undefined) => ids.filter((id) => f === undefined || f(id));

describe('HA entity filter (subscribe_entities include/exclude)', () => {
  it('passes everything without a filter', () => expect(pass(generateEntityFilter())).toEqual(ids));
  it('case 2: includes only', () =>
    expect(pass(generateEntityFilter({ domains: ['light'], entities: ['switch.x'] }))).toEqual([
      'light.kitchen',
      'light.garden',
      'switch.x',
    ]));
  it('case 3: excludes only', () =>
    expect(pass(generateEntityFilter({}, { entity_globs: ['*kitchen*'] }))).toEqual([
      'light.garden',
      'sensor.power',
      'switch.x',
    ]));
  it('case 4: domain include with entity and glob excludes', () =>
    expect(
      pass(
        generateEntityFilter(
          { domains: ['light', 'sensor'] },
          { entities: ['light.garden'], entity_globs: ['sensor.*_temp'] },
        ),
      ),
    ).toEqual(['light.kitchen', 'sensor.power']));
  it('case 5: domain exclude with an entity include', () =>
    expect(pass(generateEntityFilter({ entities: ['light.garden'] }, { domains: ['light'] }))).toEqual([
      'light.garden',
      'sensor.kitchen_temp',
      'sensor.power',
      'switch.x',
    ]));
  it('case 6: entity lists only', () =>
    expect(pass(generateEntityFilter({ entities: ['switch.x'] }, { entities: ['light.kitchen'] }))).toEqual([
      'switch.x',
    ]));
});
