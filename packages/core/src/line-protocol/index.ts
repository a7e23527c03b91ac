// @ha-ingestor/core/line-protocol: InfluxDB line protocol serialisation and escaping, shared by the file sink
// and @ha-ingestor/sink-influx so both write byte-identical points.
export {
  serializePoint,
  serializePoints,
  intField,
  formatTimestamp,
  lineSeriesKey,
  lineFieldKey,
} from './serialize.js';
export type {
  Precision,
  IntegerValue,
  FieldValue,
  Point,
  RejectedPoint,
  SerializedPoints,
  SerializeOptions,
} from './serialize.js';
export { escapeMeasurement, escapeKey, quoteString, quoteStringSingleLine, LineProtocolReason } from './escape.js';
