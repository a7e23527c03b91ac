import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonDepthBeyond, parseJsonText, valueDepth } from './parse.js';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('parseJsonText', () => {
  it('parses JSON within the depth bound', () => {
    expect(parseJsonText('{"a":[1,{"b":"x"}]}')).toEqual({ ok: true, value: { a: [1, { b: 'x' }] } });
    expect(parseJsonText(nested(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
  });

  it('refuses nesting one level past the bound with json_too_deep and the offset', () => {
    expect(parseJsonText(nested(MAX_JSON_DEPTH + 1))).toEqual({
      ok: false,
      error: {
        reason: 'json_too_deep',
        message: `JSON nests deeper than ${MAX_JSON_DEPTH} levels (at offset ${MAX_JSON_DEPTH})`,
      },
    });
  });

  it('refuses the 6 KB statestream attribute of issue 11 without walking it', () => {
    const result = parseJsonText(nested(3000));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.reason).toBe('json_too_deep');
  });

  it('reports invalid JSON with the parser message', () => {
    const result = parseJsonText('{"a":');
    expect(result).toMatchObject({ ok: false, error: { reason: 'invalid_json' } });
    if (!result.ok) expect(result.error.message).toMatch(/^not valid JSON \(/);
  });

  it('does not count brackets inside strings, with escaped quotes and backslashes', () => {
    const deepInString = JSON.stringify({ s: nested(100), t: 'a\\"[[[[', u: '\\\\' });
    expect(parseJsonText(deepInString, 2)).toMatchObject({ ok: true });
    expect(jsonDepthBeyond('["\\\\",[[', 2)).toEqual({ offset: 7 });
  });
});

describe('valueDepth', () => {
  it('counts scalars as 0 and containers by nesting', () => {
    expect(valueDepth(1)).toBe(0);
    expect(valueDepth(null)).toBe(0);
    expect(valueDepth([])).toBe(1);
    expect(valueDepth({ a: [{ b: 1 }] })).toBe(3);
  });

  it('counts a Date as a scalar (JSON writes a string)', () => {
    expect(valueDepth({ at: new Date(0) })).toBe(1);
  });

  it('walks shared structures in linear-ish time: 60 levels of a node referenced twice', () => {
    let node: unknown = 1;
    for (let i = 0; i < 60; i++) node = { a: node, b: node };
    expect(valueDepth(node, 100)).toBe(60); // 2^60 paths, 60 distinct nodes
    expect(valueDepth(node, 32)).toBe(33);
  });

  it('stops at limit + 1 on deep and on circular values', () => {
    expect(valueDepth(JSON.parse(nested(10_000)) as unknown, 32)).toBe(33);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(valueDepth(circular, 5)).toBe(6);
  });
});

describe('property: the text scan agrees with the parsed value', () => {
  it('jsonDepthBeyond(text, d) is undefined exactly when valueDepth(JSON.parse(text)) <= d', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, limit) => {
        const text = JSON.stringify(value);
        const depth = valueDepth(value, 100);
        expect(jsonDepthBeyond(text, limit) === undefined).toBe(depth <= limit);
      }),
      { seed: 11, numRuns: 2000 },
    );
  });
});

describe('property: parseJsonText refuses exactly the texts that nest too deep (issue 14: bracket count shortcut)', () => {
  it('ok exactly when the parsed value nests at most maxDepth, whether or not the count shortcut applies', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 7 }), (value, limit) => {
        const result = parseJsonText(JSON.stringify(value), limit);
        expect(result.ok).toBe(valueDepth(value, 100) <= limit);
        if (result.ok) expect(result.value).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { seed: 14, numRuns: 2000 },
    );
  });

  it('few brackets in all (shortcut) and many inside strings (scan) both parse; deep ones are refused', () => {
    expect(parseJsonText('{"a":[1]}', 2)).toMatchObject({ ok: true });
    expect(parseJsonText(JSON.stringify({ s: '[[[[{{{{' }), 2)).toMatchObject({ ok: true });
    expect(parseJsonText('[[[1]]]', 2)).toMatchObject({ ok: false, error: { reason: 'json_too_deep' } });
  });
});
