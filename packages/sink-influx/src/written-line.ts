import { intField } from '@ha-ingestor/core/line-protocol';
import type { FieldValue, Point } from '@ha-ingestor/core/line-protocol';
import type { SentLine } from './attribute.js';
import type { FieldTypeRegistry, InfluxFieldType } from './field-types.js';
import type { LineFields } from './schema/ha-line.js';

// Issue 14: what influxSink's write needs for the lines the schema's line writer wrote (no point per line).

/**
 * A line the schema's line writer wrote. Its point is needed only after the server refused the line
 * (conflict attribution, coercion): it is mapped again then, from the event, by the point path.
 */
export class WrittenLine<E> implements SentLine {
  private mapped: Point | undefined;
  constructor(
    readonly text: string,
    private readonly event: E,
    private readonly pointsOf: (event: E) => Point[],
  ) {}

  get point(): Point {
    this.mapped ??= this.pointsOf(this.event)[0] as Point;
    return this.mapped;
  }
}

/**
 * The fields of a written line whose type the registry does not know yet (as `[measurement, field]`), or
 * undefined when one of them conflicts with the registered type.
 */
export function freshFields(
  types: FieldTypeRegistry,
  fields: LineFields,
): readonly (readonly [string, string])[] | undefined {
  let fresh: [string, string][] | undefined;
  const m = fields.measurement;
  for (let f = 0; f < fields.count; f++) {
    const key = fields.keys[f] as string;
    const known = types.get(m, key);
    if (known === undefined) (fresh ??= []).push([m, key]);
    else if (known !== fields.types[f]) return undefined;
  }
  return fresh ?? NO_FRESH;
}

const NO_FRESH: readonly (readonly [string, string])[] = [];
const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});
const TYPE_SAMPLE: Readonly<Record<InfluxFieldType, FieldValue>> = {
  float: 0,
  string: '',
  boolean: false,
  integer: intField(0),
};

/** A point with the line's fields, each holding a value of its type: what the registry learns from. */
export function samplePoint(fields: LineFields): Point {
  const sample: Record<string, FieldValue> = Object.create(null) as Record<string, FieldValue>;
  for (let f = 0; f < fields.count; f++)
    sample[fields.keys[f] as string] = TYPE_SAMPLE[fields.types[f] as InfluxFieldType];
  return { measurement: fields.measurement, tags: NO_TAGS, fields: sample, time: 0 };
}
