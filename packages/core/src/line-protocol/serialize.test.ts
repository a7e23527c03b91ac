import { describe, expect, it } from 'vitest';
import { isSdkError } from '../model/errors.js';
import { formatTimestamp, intField, serializePoint, serializePoints, type Point } from './serialize.js';

const T = 1_700_000_000_123_456; // µs

function pt(partial: Partial<Point>): Point {
  return { measurement: 'm', tags: {}, fields: { f: 1 }, time: T, ...partial };
}

function reasonOf(point: Point): unknown {
  try {
    serializePoint(point, 'us');
  } catch (error) {
    return isSdkError(error, 'EVENT_INVALID') ? error.data?.['reason'] : error;
  }
  return undefined;
}

describe('serializePoint', () => {
  it('writes measurement, tags sorted by key, fields and the µs timestamp', () => {
    const line = serializePoint(
      { measurement: '°C', tags: { entity_id: 'kitchen', domain: 'sensor' }, fields: { value: 21.5 }, time: T },
      'us',
    );
    expect(line).toBe('°C,domain=sensor,entity_id=kitchen value=21.5 1700000000123456');
  });

  it('converts µs to every precision with integer math', () => {
    expect(formatTimestamp(T, 'ns')).toBe('1700000000123456000');
    expect(formatTimestamp(T, 'us')).toBe('1700000000123456');
    expect(formatTimestamp(T, 'ms')).toBe('1700000000123');
    expect(formatTimestamp(T, 's')).toBe('1700000000');
    expect(formatTimestamp(0, 'ns')).toBe('0');
    // Near 2^53 a float product would be off; the string form is exact.
    expect(formatTimestamp(9_007_199_254_740_991, 'ns')).toBe('9007199254740991000');
    expect(formatTimestamp(999_999, 's')).toBe('0');
  });

  it('rounds pre-1970 times down, like the integer division InfluxDB expects', () => {
    expect(formatTimestamp(-1, 'ms')).toBe('-1');
    expect(formatTimestamp(-1000, 'ms')).toBe('-1');
    expect(formatTimestamp(-1001, 'ms')).toBe('-2');
    expect(formatTimestamp(-1, 'ns')).toBe('-1000');
  });

  it('escapes comma and space in measurements, and comma, equals, space in keys and tag values', () => {
    const line = serializePoint(
      { measurement: 'a b,c=d', tags: { 'k ,=': 'v ,=' }, fields: { 'f ,=': 'x' }, time: 1 },
      'us',
    );
    expect(line).toBe('a\\ b\\,c=d,k\\ \\,\\==v\\ \\,\\= f\\ \\,\\=="x" 1');
  });

  it('escapes double quotes and backslashes in string fields only', () => {
    expect(serializePoint(pt({ tags: { 'k"': 'v"' }, fields: { s: 'say "hi" \\o/' } }), 'us')).toBe(
      `m,k"=v" s="say \\"hi\\" \\\\o/" ${T}`,
    );
  });

  it('keeps backslashes in names as they are (InfluxDB 1.x never unescapes them)', () => {
    expect(
      serializePoint(pt({ measurement: 'back\\slash', tags: { 'a\\b': 'c\\\\d' }, fields: { 'e\\f': 1 } }), 'us'),
    ).toBe(`back\\slash,a\\b=c\\\\d e\\f=1 ${T}`);
  });

  it('writes a tag backslash before an escaped comma or equals as is (round-trips on 1.6.7)', () => {
    expect(serializePoint(pt({ tags: { t: 'a\\,b\\=c' } }), 'us')).toBe(`m,t=a\\\\,b\\\\=c f=1 ${T}`);
  });

  it('writes LF and CR inside string fields literally and never ends a line with CR', () => {
    const line = serializePoint(pt({ fields: { s: 'a\nb\r\nc\r' } }), 'us');
    expect(line).toBe(`m s="a\nb\r\nc\r" ${T}`);
    expect(line.endsWith(String(T))).toBe(true);
  });

  it('leaves unicode, emoji, TAB and CR in names untouched', () => {
    expect(serializePoint(pt({ measurement: 'ü\t✓', tags: { '🌡': 'küche\r' }, fields: { ß: 'ünï 🌡' } }), 'us')).toBe(
      `ü\t✓,🌡=küche\r ß="ünï 🌡" ${T}`,
    );
  });

  it('omits tags with empty values', () => {
    expect(serializePoint(pt({ tags: { a: '', b: 'x' } }), 'us')).toBe(`m,b=x f=1 ${T}`);
  });

  it('writes floats, integers with the i suffix, and booleans', () => {
    const line = serializePoint(
      pt({
        fields: {
          f: 1,
          g: -0.015,
          h: 1e21,
          i: intField(42),
          j: intField(-9223372036854775808n),
          k: true,
          l: false,
          z: -0,
        },
      }),
      'us',
    );
    expect(line).toBe(`m f=1,g=-0.015,h=1e+21,i=42i,j=-9223372036854775808i,k=true,l=false,z=0 ${T}`);
    expect(serializePoint(pt({ fields: { i: intField(-0) } }), 'us')).toBe(`m i=0i ${T}`);
  });

  it('drops non-finite float fields and keeps the rest', () => {
    expect(serializePoint(pt({ fields: { a: Number.NaN, b: 2, c: Number.POSITIVE_INFINITY } }), 'us')).toBe(
      `m b=2 ${T}`,
    );
  });

  it.each([
    ['a measurement starting with #', pt({ measurement: '#m' }), 'hash_measurement'],
    ['a measurement starting with TAB', pt({ measurement: '\tm' }), 'invalid_measurement'],
    ['an empty measurement', pt({ measurement: '' }), 'empty_measurement'],
    ['a field named time', pt({ fields: { time: 1, v: 2 } }), 'time_field'],
    ['a tag named time', pt({ tags: { time: 'x' } }), 'time_tag'],
    ['no fields', pt({ fields: {} }), 'no_fields'],
    ['only non-finite fields', pt({ fields: { a: Number.NaN, b: Number.NEGATIVE_INFINITY } }), 'no_fields'],
    ['an integer above int64', pt({ fields: { i: intField(2n ** 63n) } }), 'int_overflow'],
    ['a number integer at 2^63', pt({ fields: { i: intField(2 ** 63) } }), 'int_overflow'],
    ['a non-integer integer', pt({ fields: { i: intField(1.5) } }), 'invalid_integer'],
    ['a tag value ending in a backslash', pt({ tags: { t: 'abc\\' } }), 'backslash'],
    ['a tag value with a backslash before a space', pt({ tags: { t: 'a\\ b' } }), 'backslash'],
    ['a field key ending in a backslash', pt({ fields: { 'f\\': 1 } }), 'backslash'],
    ['a field key with an odd backslash run before =', pt({ fields: { 'a\\=b': 1 } }), 'backslash'],
    ['a measurement with a backslash before a comma', pt({ measurement: 'm\\,x' }), 'backslash'],
    ['a LF in a tag value', pt({ tags: { t: 'a\nb' } }), 'newline'],
    ['a LF in a measurement', pt({ measurement: 'a\nb' }), 'newline'],
    ['an empty field key', pt({ fields: { '': 1 } }), 'empty_key'],
    ['a fractional time', pt({ time: 1.5 }), 'invalid_time'],
    ['a field that is not a field value', pt({ fields: { f: null as unknown as number } }), 'invalid_field'],
    ['a tag that is not a string', pt({ tags: { t: 1 as unknown as string } }), 'invalid_tag'],
  ])('rejects %s with SdkError EVENT_INVALID and a reason', (_name, point, reason) => {
    expect(reasonOf(point)).toBe(reason);
  });

  it('accepts an even backslash run before an escaped character in a field key', () => {
    expect(serializePoint(pt({ fields: { 'k\\\\=x': 1 } }), 'us')).toBe(`m k\\\\\\=x=1 ${T}`);
  });
});

describe('serializePoints', () => {
  it('joins lines with LF only and reports unwritable points by index', () => {
    const out = serializePoints([pt({}), pt({ measurement: '#bad' }), pt({ fields: { s: 'x\r' } })], 'ms');
    expect(out.text).toBe('m f=1 1700000000123\nm s="x\r" 1700000000123');
    expect(out.text.includes('\r\n')).toBe(false);
    expect(out.lines).toHaveLength(2);
    expect(out.indices).toEqual([0, 2]);
    expect(out.rejected).toEqual([{ index: 1, reason: 'hash_measurement', message: expect.stringContaining('#') }]);
  });

  it('writes LF in string fields as \\n when asked (for parsers that split on every LF)', () => {
    const out = serializePoints([pt({ fields: { s: 'a\nb\\' } })], 'us', { stringNewlines: 'escape' });
    expect(out.text).toBe(`m s="a\\nb\\\\" ${T}`);
    expect(out.text.includes('\n')).toBe(false);
  });

  it('returns an empty text when nothing is writable', () => {
    expect(serializePoints([pt({ fields: {} })], 'us')).toMatchObject({ text: '', lines: [], indices: [] });
  });
});
