// @ha-ingestor/sink-parquet: a streaming Parquet writer and the hourly Parquet archive sink.
export { createParquetStreamWriter } from './stream-writer.js';
export type { ParquetStreamWriter, ParquetStreamWriterOptions } from './stream-writer.js';
export type { ParquetColumn, ParquetColumnType } from './columns.js';
export type { ParquetCompression } from './compression.js';
export { parquetSink } from './parquet-sink.js';
export { ParquetSinkOptionsSchema } from './options.js';
export type { ParquetSinkOptions, ResolvedParquetSinkOptions } from './options.js';
export { ARCHIVE_COLUMNS } from './event-row.js';
export type { ParquetSinkEvent } from './event-row.js';
