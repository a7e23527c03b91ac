import { describe, expect, it } from 'vitest';
import { authSchemaError, parseJson } from './auth-schema.js';

describe('auth message schema', () => {
  it('accepts HA auth messages with a token, a password or neither', () => {
    expect(authSchemaError({ type: 'auth', access_token: 'x' })).toBeUndefined();
    expect(authSchemaError({ type: 'auth', api_password: 'x' })).toBeUndefined();
    expect(authSchemaError({ type: 'auth' })).toBeUndefined(); // then fails as an invalid token
  });

  it('explains malformed auth messages like voluptuous', () => {
    expect(authSchemaError({ type: 'auth', access_token: 'x', id: 1 })).toBe(
      "extra keys not allowed @ data['id']. Got 1",
    );
    expect(authSchemaError({ type: 'login', access_token: 'x' })).toBe("not a valid value @ data['type']. Got 'login'");
    expect(authSchemaError({ access_token: 'x' })).toBe("required key not provided @ data['type']. Got None");
    expect(authSchemaError({ type: 'auth', access_token: 5 })).toBe(
      "expected str for dictionary value @ data['access_token']. Got 5",
    );
    expect(authSchemaError([1])).toBe('expected a dictionary. Got [1]');
  });

  it('parses JSON or returns undefined', () => {
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('{"a":')).toBeUndefined();
  });
});
