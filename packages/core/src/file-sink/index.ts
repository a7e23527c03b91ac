// @ha-ingestor/core/file-sink: the embedded sink writing NDJSON and InfluxDB line protocol files.
export { fileSink } from './file-sink.js';
export type { FileSinkHooks } from './file-sink.js';
export { FileSinkOptionsSchema } from './options.js';
export type { FileSinkOptions, ResolvedFileSinkOptions } from './options.js';
export { defaultToLines, lineProtocolHeader, unsafeLineReason } from './lines.js';
export type { FileSinkEvent, ToLinesResult } from './lines.js';
