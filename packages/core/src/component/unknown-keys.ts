import { z } from 'zod';

/**
 * Finds option keys that a zod schema would silently strip. zod's `z.object` drops unknown keys, so a
 * misspelt option (`timeContext({ timezone })` for `timeZone`) used to run with the default without a
 * word; `parseOptions` refuses them with this walk instead of making every component write
 * `z.strictObject`. Objects that accept arbitrary keys (`z.record`, `z.looseObject`, `.catchall(…)`) keep
 * doing so: only a plain (stripping) `z.object` reports keys outside its shape.
 */

/** One key the schema does not know, with the closest known key when one is near. */
export interface UnknownKey {
  /** Path of the unknown key from the options root, e.g. `['batch', 'maxSise']`. */
  readonly path: readonly (string | number)[];
  readonly key: string;
  /** A known key of the same object that the key is probably a misspelling of. */
  readonly suggestion: string | undefined;
}

/**
 * The keys of `input` that `schema` would strip, walking through nested objects, arrays, records,
 * tuples, optional/nullable/default/prefault wrappers, pipes (input side), lazy schemas, unions (the best
 * matching option) and intersections (a key is unknown only when neither side knows it). Keys whose value
 * is `undefined` are ignored: they configure nothing, and `{ key: cond ? x : undefined }` is common.
 */
export function findUnknownKeys(schema: z.core.$ZodType, input: unknown): UnknownKey[] {
  const found: UnknownKey[] = [];
  visit(schema, input, [], found, new WeakSet());
  return found;
}

/** A known key within edit distance max(1, ⌊length/3⌋) of `key` (case-insensitive, a swap counts once), or `undefined`. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// --- internal ---

type Path = readonly (string | number)[];

function visit(schema: z.core.$ZodType, value: unknown, path: Path, found: UnknownKey[], seen: WeakSet<object>): void {
  if (typeof value !== 'object' || value === null) return;
  // A cyclic input (never a valid options object) must not loop forever.
  if (seen.has(value)) return;
  seen.add(value);
  try {
    visitDef(schema, value, path, found, seen);
  } finally {
    seen.delete(value);
  }
}

function visitDef(
  schema: z.core.$ZodType,
  value: object,
  path: Path,
  found: UnknownKey[],
  seen: WeakSet<object>,
): void {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'object': {
      if (Array.isArray(value)) return;
      const record = value as Record<string, unknown>;
      const shape = def.shape;
      const known = Object.keys(shape);
      for (const key of Object.keys(record)) {
        const child = record[key];
        const sub = Object.prototype.hasOwnProperty.call(shape, key) ? shape[key] : def.catchall;
        if (sub !== undefined) {
          visit(sub, child, [...path, key], found, seen);
        } else if (child !== undefined) {
          found.push({ path: [...path, key], key, suggestion: suggestKey(key, known) });
        }
      }
      return;
    }
    case 'record':
      if (Array.isArray(value)) return;
      for (const [key, child] of Object.entries(value)) visit(def.valueType, child, [...path, key], found, seen);
      return;
    case 'array':
      if (Array.isArray(value))
        value.forEach((child: unknown, i) => visit(def.element, child, [...path, i], found, seen));
      return;
    case 'tuple':
      if (!Array.isArray(value)) return;
      value.forEach((child: unknown, i) => {
        const sub = def.items[i] ?? def.rest;
        if (sub !== undefined && sub !== null) visit(sub, child, [...path, i], found, seen);
      });
      return;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      visitDef(def.innerType, value, path, found, seen);
      return;
    case 'pipe':
      // The input side is what the user wrote; a transform there ends the walk (its output is not input).
      visitDef(def.in, value, path, found, seen);
      return;
    case 'lazy':
      visitDef(def.getter(), value, path, found, seen);
      return;
    case 'union':
      found.push(...bestUnionOption(def.options, value, path, seen));
      return;
    case 'intersection': {
      const left = collect(def.left, value, path, seen);
      const right = new Set(collect(def.right, value, path, seen).map((k) => k.path.join('\u0000')));
      found.push(...left.filter((k) => right.has(k.path.join('\u0000'))));
      return;
    }
    default:
      return;
  }
}

function collect(schema: z.core.$ZodType, value: object, path: Path, seen: WeakSet<object>): UnknownKey[] {
  const found: UnknownKey[] = [];
  visitDef(schema, value, path, found, seen);
  return found;
}

/**
 * The unknown keys of the union option the value is meant for: among the options that accept it, the one
 * that knows most of its keys. When no option accepts the value, zod reports the union itself; guessing an
 * option there would name keys of the wrong one.
 */
function bestUnionOption(
  options: readonly z.core.$ZodType[],
  value: object,
  path: Path,
  seen: WeakSet<object>,
): UnknownKey[] {
  let best: UnknownKey[] | undefined;
  for (const option of options) {
    if (!accepts(option, value)) continue;
    const keys = collect(option, value, path, seen);
    if (keys.length === 0) return [];
    if (best === undefined || keys.length < best.length) best = keys;
  }
  return best ?? [];
}

function accepts(schema: z.core.$ZodType, value: unknown): boolean {
  try {
    return z.safeParse(schema, value).success;
  } catch (error) {
    // Only an async refinement throws here (zod's "use parseAsync"); it cannot be judged synchronously,
    // so the option counts as accepting and its keys are still checked.
    if (error instanceof z.core.$ZodAsyncError) return true;
    throw error;
  }
}

/** Optimal string alignment distance: Levenshtein plus a swap of two adjacent letters as one edit (`qso`). */
function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        distance = Math.min(distance, (beforePrevious[j - 2] ?? 0) + 1);
      current.push(distance);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
