import { z } from 'zod';

/**
 * Environment values arrive as text; only text is turned into a number, so a YAML `batchSize: [5]` or
 * `true` is refused instead of being coerced to 5 or 1 (issue 11: every value is checked, not guessed).
 */
export const fromText = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value;

/**
 * A number option with its allowed range. The range is in the error (`expected an integer from 1 to
 * 100000`) and in the generated docs; issue 11: `BATCH_SIZE=1e12` and `OUTBOX_MAX_BYTES=1` were accepted.
 */
export function ranged(kind: 'integer' | 'number', min: number, max: number, fallback: number, description: string) {
  // The default sits inside the preprocess so the generated docs show it (zod drops it from the outer pipe).
  return z
    .preprocess(fromText, rangedNumber(kind, min, max).default(fallback))
    .describe(`${description}; ${min}–${max}`);
}

/** {@link ranged} without a default: absent means "use the fallback chosen elsewhere" (per-sink overrides). */
export function optionalRanged(kind: 'integer' | 'number', min: number, max: number, description: string) {
  return z.preprocess(fromText, rangedNumber(kind, min, max).optional()).describe(`${description}; ${min}–${max}`);
}

/** `true`/`false` from YAML booleans or env text; default false. */
export const flag = (description: string) =>
  z
    .preprocess(
      (v) => (v === 'true' ? true : v === 'false' ? false : v),
      z.boolean({ error: 'expected true or false' }).default(false),
    )
    .describe(description);

/**
 * A comma-separated env value, a JSON array of strings (as v0.3.0's pydantic settings read
 * `MQTT_TOPICS=["a/#","b/#"]`, issue 13) or a YAML list (at most 1000 entries).
 */
export const splitList = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const json = jsonStringArray(v);
  return (json ?? v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
};
function jsonStringArray(text: string): string[] | undefined {
  if (!text.trim().startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : undefined;
  } catch {
    return undefined; // Not JSON: read as a comma list (a topic may start with `[`), then validated.
  }
}

// --- internal ---

function rangedNumber(kind: 'integer' | 'number', min: number, max: number) {
  const expected = `expected ${kind === 'integer' ? 'an integer' : 'a number'} from ${min} to ${max}`;
  const base = z.number({ error: expected });
  return (kind === 'integer' ? base.int({ error: expected }) : base)
    .min(min, { error: expected })
    .max(max, { error: expected });
}

/**
 * Outbox policy when full. Core spells it `drop-oldest`; the issue and env users write `drop_oldest`, so
 * both are accepted and normalised to core's `WhenFull`.
 */
export const whenFull = () => WHEN_FULL_NAMES.default('block').transform(normaliseWhenFull);
/** {@link whenFull} without a default (per-sink overrides). */
export const optionalWhenFull = () => WHEN_FULL_NAMES.transform(normaliseWhenFull).optional();

const WHEN_FULL_NAMES = z.enum(['block', 'drop-oldest', 'drop-newest', 'drop_oldest', 'drop_newest']);
function normaliseWhenFull(v: z.output<typeof WHEN_FULL_NAMES>) {
  return v === 'drop_oldest' ? 'drop-oldest' : v === 'drop_newest' ? 'drop-newest' : v;
}
