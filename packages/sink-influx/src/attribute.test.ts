import type { FieldValue } from '@ha-ingestor/core/line-protocol';
import { describe, expect, it } from 'vitest';
import { attributeRejection, goUnquote, rejectionReason } from './attribute.js';
import type { SentLine } from './attribute.js';

function line(text: string, measurement: string, fields: Record<string, FieldValue>): SentLine {
  return { text, point: { measurement, tags: {}, fields, time: 1 } };
}

// Bodies as InfluxDB 1.6.7 returned them (see the reference on test servers), 2.x and 3.x as documented.
const v1Conflict = (dropped: number) =>
  JSON.stringify({
    error: `partial write: field type conflict: input field "value" on measurement "state" is type string, already exists as type float dropped=${dropped}`,
  });

describe('attributeRejection', () => {
  const lines = [
    line('state value=1.5 1', 'state', { value: 1.5 }),
    line('state value="on" 2', 'state', { value: 'on' }),
    line('state value=true 3', 'state', { value: true }),
    line('other value="x" 4', 'other', { value: 'x' }),
  ];
  const all = [0, 1, 2, 3];

  it('names every line writing the conflicting field with another type than the existing one (dropped agrees)', () => {
    const body = v1Conflict(2);
    const a = attributeRejection(JSON.parse(body).error as string, body, all, lines);
    expect(a?.restStored).toBe(true);
    expect(a?.rejected.map((r) => [r.line, r.reason])).toEqual([
      [1, 'type_conflict'],
      [2, 'type_conflict'],
    ]);
    expect(a?.reportedTypes).toEqual([{ measurement: 'state', field: 'value', type: 'float' }]);
  });

  it('gives up (undefined → bisect) when dropped=N does not match the lines it can name', () => {
    const body = v1Conflict(3);
    expect(attributeRejection(JSON.parse(body).error as string, body, all, lines)).toBeUndefined();
  });

  it('matches `unable to parse` lines exactly, even with quotes, LF and "\': " inside the line', () => {
    const tricky = line(`m s="a': b\nc" 5`, 'm', { s: "a': b\nc" });
    const garbage = line('garbage line here', 'garbage', { f: 1 });
    const ls = [...lines, tricky, garbage];
    const message = `partial write: unable to parse '${tricky.text}': invalid field format\nunable to parse 'garbage line here': missing fields dropped=0`;
    const a = attributeRejection(message, JSON.stringify({ error: message }), [0, 4, 5], ls);
    expect(a?.restStored).toBe(true);
    expect(a?.rejected).toEqual([
      { line: 4, reason: 'unparsable', message: 'unable to parse: invalid field format' },
      { line: 5, reason: 'unparsable', message: 'unable to parse: missing fields' },
    ]);
  });

  it('a whole-body parse error (no "partial write") names the line but asks for the rest to be resent', () => {
    const ls = [line('garbage', 'garbage', { f: 1 }), ...lines];
    const message = "unable to parse 'garbage': missing fields";
    const a = attributeRejection(message, JSON.stringify({ error: message }), [0, 1], ls);
    expect(a).toMatchObject({ restStored: false, rejected: [{ line: 0, reason: 'unparsable' }] });
  });

  it('gives up when a parse error names a line that was not sent', () => {
    const message = "partial write: unable to parse 'never sent': missing fields dropped=0";
    expect(attributeRejection(message, JSON.stringify({ error: message }), all, lines)).toBeUndefined();
  });

  it('gives up on a partial write it cannot attribute (points beyond retention policy)', () => {
    const message = 'partial write: points beyond retention policy dropped=1';
    expect(attributeRejection(message, JSON.stringify({ error: message }), all, lines)).toBeUndefined();
  });

  it('reads InfluxDB 2.x 422 bodies (message inside `message`)', () => {
    const message =
      'failure writing points to database: partial write: field type conflict: input field "value" on measurement "state" is type boolean, already exists as type float dropped=2';
    const a = attributeRejection(message, JSON.stringify({ code: 'unprocessable entity', message }), all, lines);
    expect(a?.rejected.map((r) => r.line)).toEqual([1, 2]);
  });

  it('reads InfluxDB 3 line numbers (1-based within the body)', () => {
    const body = JSON.stringify({
      error: 'partial write of line protocol occurred',
      data: [
        { original_line: 'state value="on" 2', line_number: 2, error_message: 'invalid column type for column value' },
      ],
    });
    const a = attributeRejection('partial write of line protocol occurred', body, [0, 1, 2], lines);
    expect(a).toEqual({
      restStored: true,
      reportedTypes: [],
      rejected: [{ line: 1, reason: 'unparsable', message: 'invalid column type for column value' }],
    });
  });

  it('unquotes Go %q names (quotes, backslashes, control characters, unicode escapes)', () => {
    const body = JSON.stringify({
      error:
        'partial write: field type conflict: input field "f\\"q\\t\\u00e9" on measurement "°C" is type string, already exists as type float dropped=1',
    });
    const ls = [line('x', '°C', { 'f"q\té': 'str' }), line('y', '°C', { 'f"q\té': 2 })];
    const a = attributeRejection(JSON.parse(body).error as string, body, [0, 1], ls);
    expect(a?.rejected.map((r) => r.line)).toEqual([0]);
  });
});

describe('goUnquote', () => {
  it.each([
    ['plain', 'plain'],
    ['a\\"b', 'a"b'],
    ['back\\\\slash', 'back\\slash'],
    ['tab\\there', 'tab\there'],
    ['\\x41\\u00e9\\U0001F321', 'Aé🌡'],
    ['\\xc3\\xa9', 'é'],
    ['°C ✓', '°C ✓'],
  ])('%s', (input, expected) => expect(goUnquote(input)).toBe(expected));
});

describe('rejectionReason', () => {
  it.each([
    ['partial write: field type conflict: …', 'type_conflict'],
    ['partial write: points beyond retention policy dropped=1', 'beyond_retention'],
    ['partial write: max-values-per-tag limit exceeded (100000/100000)', 'max_values_per_tag'],
    ["unable to parse 'x': invalid number", 'unparsable'],
    ['something else', 'server_rejected'],
  ])('%s → %s', (message, reason) => expect(rejectionReason(message)).toBe(reason));
});
