import { pyPath, pyRepr } from './py.js';

/** Value validators named after the voluptuous/cv validators HA's command schemas use. */
export type FieldType = 'str' | 'int' | 'positive_int' | 'bool' | 'dict' | 'list_of_str' | 'entity_ids' | 'any';

/** One key of a command schema. */
export interface FieldSpec {
  readonly type: FieldType;
  readonly required?: boolean;
}

/**
 * A command schema: `false` for type-only commands (`schema=False`: any third key is rejected as a
 * whole), otherwise the keys besides `id` and `type` (`BASE_COMMAND_MESSAGE_SCHEMA.extend(...)`).
 */
export type CommandSchema = false | Readonly<Record<string, FieldSpec>>;

/**
 * Validates a command like voluptuous would and returns HA's `humanize_error` text of the first
 * error, or undefined when valid. Errors are found in the message's key order, then missing keys.
 */
export function validateCommand(msg: Readonly<Record<string, unknown>>, schema: CommandSchema): string | undefined {
  if (schema === false) {
    return Object.keys(msg).length > 2 ? `extra keys not allowed. Got ${pyRepr(msg)}` : undefined;
  }
  for (const [key, value] of Object.entries(msg)) {
    if (key === 'id' || key === 'type') continue;
    const spec = schema[key];
    if (spec === undefined) return `extra keys not allowed${pyPath(key)}. Got ${pyRepr(value)}`;
    const problem = checkValue(spec.type, value, key);
    if (problem !== undefined) return problem;
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.required === true && !(key in msg)) return `required key not provided${pyPath(key)}. Got None`;
  }
  return undefined;
}

// --- internal ---

function checkValue(type: FieldType, value: unknown, key: string): string | undefined {
  const at = pyPath(key);
  const got = `. Got ${pyRepr(value)}`;
  switch (type) {
    case 'str':
      return typeof value === 'string' ? undefined : `expected str for dictionary value${at}${got}`;
    case 'int':
      return typeof value === 'number' && Number.isInteger(value)
        ? undefined
        : `expected int for dictionary value${at}${got}`;
    case 'positive_int': {
      // cv.positive_int = All(Coerce(int), Range(min=0)): "5" and 5.7 coerce; booleans are ints in Python.
      const n =
        typeof value === 'boolean'
          ? Number(value)
          : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)
            ? Number(value)
            : typeof value === 'number'
              ? Math.trunc(value)
              : Number.NaN;
      if (Number.isNaN(n)) return `expected int for dictionary value${at}${got}`;
      return n < 0 ? `value must be at least 0 for dictionary value${at}${got}` : undefined;
    }
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expected bool for dictionary value${at}${got}`;
    case 'dict':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? undefined
        : `expected dict for dictionary value${at}${got}`;
    case 'list_of_str': {
      if (!Array.isArray(value)) return `expected list for dictionary value${at}${got}`;
      const bad = value.findIndex((v) => typeof v !== 'string');
      return bad === -1 ? undefined : `expected str${at}[${bad}]. Got ${pyRepr(value[bad])}`;
    }
    case 'entity_ids': {
      const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
      if (!Array.isArray(list)) return `expected list for dictionary value${at}${got}`;
      const bad = list.find(
        (v) => typeof v !== 'string' || !/^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/.test(v.toLowerCase()),
      );
      return bad === undefined
        ? undefined
        : `Entity ID ${String(bad)} is an invalid entity ID for dictionary value${at}${got}`;
    }
    case 'any':
      return undefined;
  }
  return undefined;
}
