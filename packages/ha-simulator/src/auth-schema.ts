import { pyRepr } from './py.js';

/** Parses a frame; undefined when it is not JSON (HA then disconnects without a reply). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * HA's AUTH_MESSAGE_SCHEMA (type == "auth", Exclusive api_password / access_token, nothing else):
 * the humanized voluptuous error, or undefined when the message is well formed.
 */
export function authSchemaError(msg: unknown): string | undefined {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return `expected a dictionary. Got ${pyRepr(msg)}`;
  const obj = msg as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'type') {
      if (v !== 'auth') return `not a valid value @ data['type']. Got ${pyRepr(v)}`;
    } else if (k === 'access_token' || k === 'api_password') {
      if (typeof v !== 'string') return `expected str for dictionary value @ data['${k}']. Got ${pyRepr(v)}`;
    } else return `extra keys not allowed @ data['${k}']. Got ${pyRepr(v)}`;
  }
  if (!('type' in obj)) return "required key not provided @ data['type']. Got None";
  if ('access_token' in obj && 'api_password' in obj)
    return "two or more values in the same group of exclusion 'auth' @ data[<auth>]";
  return undefined;
}
