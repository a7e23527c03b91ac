import { serializePoints, type Precision } from '@ha-ingestor/core';
import { createSchemaMapper, type SchemaOptions } from '@ha-ingestor/sink-influx';

/**
 * Line protocol for /api/v1/export?format=lp, with the same schema as the InfluxDB sink, so an export can
 * be imported with `influx write` / `influx -import` and match the live points.
 */
export function createLineProtocolExporter(schema: SchemaOptions, precision: Precision): (events: readonly Readonly<Record<string, unknown>>[]) => string {
  const mapper = createSchemaMapper(schema);
  return (events) => {
    const { points } = mapper.toPointsBatch(events as unknown as Parameters<typeof mapper.toPointsBatch>[0]);
    const { text } = serializePoints(points, precision);
    return text.length > 0 ? `${text}\n` : '';
  };
}
