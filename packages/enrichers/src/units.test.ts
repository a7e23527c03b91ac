import { describe, expect, it } from 'vitest';
import { unitNormalize } from './units.js';
import { parseNumeric } from './unit-table.js';
import { stateEvent, testContext, enrichSync } from '../test/helpers.js';

const { ctx } = testContext();
const rules = { exponent: true, decimalComma: false };

describe('parseNumeric', () => {
  it.each([
    ['21.5', 21.5],
    [' 21.5 ', 21.5],
    ['-3', -3],
    ['+4', 4],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['-0', 0],
  ])('parses %j as %d', (text, n) => {
    expect(parseNumeric(text, rules)).toBe(n);
  });

  it.each([
    '',
    ' ',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '1_000',
    '1,000.5',
    '12,5',
    'on',
    'unavailable',
    '1e999',
    '1.2.3',
    '--1',
  ])('does not treat %j as a number', (text) => {
    expect(parseNumeric(text, rules)).toBeUndefined();
  });

  it('accepts a decimal comma only when enabled, and exponents only when allowed', () => {
    expect(parseNumeric('12,5', { exponent: true, decimalComma: true })).toBe(12.5);
    expect(parseNumeric('1,000.5', { exponent: true, decimalComma: true })).toBeUndefined();
    expect(parseNumeric('1e3', { exponent: false, decimalComma: false })).toBeUndefined();
  });
});

describe('unitNormalize', () => {
  const e = unitNormalize();
  const ev = (state: string | null, unit?: string) =>
    stateEvent('sensor.x', state, unit === undefined ? {} : { unit_of_measurement: unit });

  it.each([
    ['68', '°F', 20, '°C'],
    ['293.15', 'K', 20, '°C'],
    ['1.234', 'kW', 1234, 'W'],
    ['0.5', 'MW', 500000, 'W'],
    ['1500', 'Wh', 1.5, 'kWh'],
    ['2', 'MWh', 2000, 'kWh'],
    ['1013', 'mbar', 1013, 'hPa'],
    ['29.92', 'inHg', 1013.207469, 'hPa'],
    ['36', 'km/h', 10, 'm/s'],
    ['10', 'mph', 4.4704, 'm/s'],
  ])('converts %s %s to %d %s and keeps the original', (state, unit, value, target) => {
    expect(enrichSync(e, ev(state, unit), ctx)).toEqual({
      state: value,
      unit: target,
      original_state: state,
      original_unit: unit,
    });
  });

  it('coerces numeric states without a convertible unit and reports the unit', () => {
    expect(enrichSync(e, ev(' 21.5', '°C'), ctx)).toEqual({ state: 21.5, unit: '°C' });
    expect(enrichSync(e, ev('42'), ctx)).toEqual({ state: 42 });
  });

  it('passes non-numeric states unchanged', () => {
    expect(enrichSync(e, ev('unavailable', 'kW'), ctx)).toEqual({ unit: 'kW' });
    expect(enrichSync(e, ev('on'), ctx)).toEqual({});
    expect(enrichSync(e, ev(null, 'kW'), ctx)).toEqual({});
    expect(enrichSync(e, { event_type: 'call_service' }, ctx)).toEqual({});
  });

  it('converts only the chosen quantities and can leave numbers as strings', () => {
    const only = unitNormalize({ convert: ['energy'], coerce: false });
    expect(enrichSync(only, ev('1.5', 'kW'), ctx)).toEqual({ unit: 'kW' });
    expect(enrichSync(only, ev('1500', 'Wh'), ctx)).toMatchObject({ state: 1.5, unit: 'kWh' });
  });

  it('uses a top-level unit (e.g. from the registry enricher) when attributes have none', () => {
    expect(enrichSync(e, { ...ev('2000'), unit_of_measurement: 'W' }, ctx)).toEqual({ state: 2000, unit: 'W' });
  });
});
