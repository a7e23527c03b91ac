import { describe, expect, it } from 'vitest';
import { validateCommand } from './command-schema.js';
import { pyEquals, pyRepr } from './py.js';

describe('voluptuous-like validation', () => {
  it('rejects any third key of a type-only command with the whole message', () => {
    expect(validateCommand({ id: 6, type: 'get_states', extra: 1 }, false)).toBe(
      "extra keys not allowed. Got {'id': 6, 'type': 'get_states', 'extra': 1}",
    );
    expect(validateCommand({ id: 6, type: 'get_states' }, false)).toBeUndefined();
  });

  it('names the key of extra, mistyped and missing keys', () => {
    const schema = {
      event_type: { type: 'str' as const },
      subscription: { type: 'positive_int' as const, required: true },
    };
    expect(validateCommand({ id: 1, type: 't', event_type: 100, subscription: 1 }, schema)).toBe(
      "expected str for dictionary value @ data['event_type']. Got 100",
    );
    expect(validateCommand({ id: 1, type: 't', nope: null, subscription: 1 }, schema)).toBe(
      "extra keys not allowed @ data['nope']. Got None",
    );
    expect(validateCommand({ id: 1, type: 't' }, schema)).toBe(
      "required key not provided @ data['subscription']. Got None",
    );
    expect(validateCommand({ id: 1, type: 't', subscription: '7' }, schema)).toBeUndefined();
    expect(validateCommand({ id: 1, type: 't', subscription: -1 }, schema)).toBe(
      "value must be at least 0 for dictionary value @ data['subscription']. Got -1",
    );
  });
});

describe('Python semantics', () => {
  it('reprs like Python', () => {
    expect(pyRepr({ a: [true, null, 1.5, "it's"] })).toBe(`{'a': [True, None, 1.5, "it's"]}`);
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
  });

  it('compares like Python ==', () => {
    expect(pyEquals({ a: 1, b: [1, { c: false }] }, { b: [true, { c: 0 }], a: 1.0 })).toBe(true);
    expect(pyEquals({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(pyEquals('1', 1)).toBe(false);
  });
});
