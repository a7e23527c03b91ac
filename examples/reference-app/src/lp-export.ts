import { serializePoints, type Precision } from '@ha-ingestor/core/line-protocol';
import { createSchemaMapper, type SchemaOptions } from '@ha-ingestor/sink-influx';

/**
 * Line protocol for /api/v1/export?format=lp, with the same schema as the InfluxDB sink, so an export can
 * be written with `influx write` or the HTTP write API and match the live points. For `influx -import`
 * (1.x) put the file sink's header (`# DML`, `# CONTEXT-DATABASE: <db>`) in front of it.
 *
 * Serialised for files (`target: 'file'`, issue 11): every point is one physical line (LF/CR in string
 * fields escaped as `\n`/`\r`) and no line starts with `#`, so a hostile state cannot inject points or
 * `# CONTEXT-DATABASE:` directives into what a line-by-line reader sees. Events the schema cannot map or
 * the serialiser refuses are left out of the export (an export is a view; the sinks dead-letter them).
 */
export function createLineProtocolExporter(
  schema: SchemaOptions,
  precision: Precision,
): (events: readonly Readonly<Record<string, unknown>>[]) => string {
  const mapper = createSchemaMapper(schema);
  return (events) => {
    const { points } = mapper.toPointsBatch(events as unknown as Parameters<typeof mapper.toPointsBatch>[0]);
    const { text } = serializePoints(points, precision, { target: 'file' });
    return text.length > 0 ? `${text}\n` : '';
  };
}
