import type { FieldValue } from '@ha-ingestor/core/line-protocol';
import type { MappableEvent } from './types.js';

/**
 * Enricher context as fields of state points (`contextFields`): the time context (`hour`, `weekday`, …),
 * `weather`, `calendar` and the provider contexts (`carbon_intensity`, `electricity_price`, …) are top-level
 * properties that an enricher adds to the event; without this option neither schema writes them.
 *
 * - A scalar property becomes one field named after it.
 * - An object is flattened one level: `weather.temperature` → `weather_temperature`. Values below that
 *   level (objects, arrays) are skipped, and at most {@link MAX_CONTEXT_FIELDS_PER_PROPERTY} fields are
 *   written per property (the object's own key order), so an odd enricher cannot blow up a point.
 * - Types are fixed by the value's JSON type, whatever its look: number → float (also for whole numbers,
 *   so `hour` is never sometimes an integer), boolean → boolean, string → string. `null`, `undefined`,
 *   NaN and ±Infinity are omitted. Top-level arrays are skipped.
 * - The schema's own fields win: a context field whose name is already taken on the point (`value`,
 *   `state`, an attribute field) or by an earlier listed property is not written for that point.
 *   (A field of the same name but another type in *another* point of the measurement is a conflict the
 *   sink's field-type registry handles, as for attributes.)
 * - `time` is refused as a name by the options (InfluxDB drops a field called `time`); a flattened key
 *   `time` becomes `<prop>_time`, which is fine.
 * Only state points carry context: non-state events keep the `events` schema (their `data` is the payload).
 */

/** At most this many fields are written per listed object property. */
export const MAX_CONTEXT_FIELDS_PER_PROPERTY = 32;

/** Adds the listed context properties of `event` to `fields` (fields already present win). */
export type ContextFieldWriter = (event: MappableEvent, fields: Record<string, FieldValue>) => void;

/** The writer for `names`, or undefined when the list is empty (no per-point cost then). */
export function createContextFieldWriter(names: readonly string[]): ContextFieldWriter | undefined {
  if (names.length === 0) return undefined;
  const list = [...names];
  return (event, fields) => {
    const bag = event as unknown as Readonly<Record<string, unknown>>;
    for (const name of list) {
      if (!Object.hasOwn(bag, name)) continue;
      const value = bag[name];
      const scalar = scalarField(value);
      if (scalar !== undefined) {
        if (!(name in fields)) fields[name] = scalar;
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      let written = 0;
      for (const key of Object.keys(value)) {
        if (written >= MAX_CONTEXT_FIELDS_PER_PROPERTY) break;
        const field = scalarField((value as Readonly<Record<string, unknown>>)[key]);
        if (field === undefined) continue;
        const fieldName = `${name}_${key}`;
        if (fieldName in fields) continue;
        fields[fieldName] = field;
        written++;
      }
    }
  };
}

// --- internal ---

function scalarField(value: unknown): FieldValue | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'boolean':
    case 'string':
      return value;
    default:
      return undefined;
  }
}
