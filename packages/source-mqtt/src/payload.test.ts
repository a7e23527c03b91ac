import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '@ha-ingestor/core/json';
import { STABLE_JSON_MAX_DEPTH, stableJson } from './parser.js';
import { parseJson } from './payload.js';

// Issue 11: the 6 KB statestream attribute that crash-looped the service.
const HOSTILE = '['.repeat(3000) + ']'.repeat(3000);

describe('parseJson', () => {
  it('refuses nesting past MAX_JSON_DEPTH with json_too_deep and a specific message', () => {
    const r = parseJson(HOSTILE);
    expect(r).toMatchObject({ ok: false, error: { reason: 'json_too_deep' } });
    expect(!r.ok && r.error.message).toMatch(/nests deeper than 32 levels/);
  });

  it('accepts exactly MAX_JSON_DEPTH levels and keeps invalid_json for broken text', () => {
    const deepest = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(parseJson(deepest).ok).toBe(true);
    expect(parseJson('[' + deepest + ']')).toMatchObject({ ok: false, error: { reason: 'json_too_deep' } });
    expect(parseJson('{oops')).toMatchObject({ ok: false, error: { reason: 'invalid_json' } });
    // Brackets inside strings are not nesting.
    expect(parseJson(JSON.stringify({ a: '['.repeat(100) })).ok).toBe(true);
  });
});

describe('stableJson', () => {
  it('sorts object keys at every level', () => {
    expect(stableJson({ b: 1, a: { d: 2, c: [{ f: 1, e: 0 }] } })).toBe('{"a":{"c":[{"e":0,"f":1}],"d":2},"b":1}');
  });

  it('refuses (undefined) instead of throwing for a value nested 3000 deep, a cycle or a BigInt', () => {
    const deep = JSON.parse(HOSTILE) as unknown;
    expect(() => stableJson(['on', { x: deep }, null])).not.toThrow();
    expect(stableJson(['on', { x: deep }, null])).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(stableJson(cyclic)).toBeUndefined();
    expect(stableJson({ n: 1n })).toBeUndefined();
  });

  it('fingerprints the deepest value parseJson lets through inside an attribute set and a tuple', () => {
    const parsed = parseJson('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH));
    if (!parsed.ok) throw new Error('unreachable');
    expect(stableJson(['on', { attr: parsed.value }, null])).toBeTypeOf('string');
    expect(STABLE_JSON_MAX_DEPTH).toBe(MAX_JSON_DEPTH + 2);
  });
});
