// @ha-ingestor/core/testing: conformance suites and helpers for tests. Imports vitest (an optional peer).
export { testSink } from './test-sink.js';
export type { TestSinkOptions, SinkTestHandle } from './test-sink.js';
export { testSource } from './test-source.js';
export type { TestSourceOptions } from './test-source.js';
export { testEnricher } from './test-enricher.js';
export type { TestEnricherOptions } from './test-enricher.js';
export { createTestContext } from './context.js';
export type { TestContext } from './context.js';
export { createTestSourceContext } from './source-context.js';
export type { TestSourceContext, TestSourceContextOptions } from './source-context.js';
export { collectingSink } from './collecting-sink.js';
export type { CollectingSink, CollectingSinkOptions } from './collecting-sink.js';
export { arraySource } from './array-source.js';
export type { ArraySource, ArraySourceOptions } from './array-source.js';
export { makeStateChanged, TEST_EVENT_TIME } from './events.js';
export type { StateChangedInput } from './events.js';
export { readLineProtocolFile, parseLineProtocolLine, LP_INJECTION_STATE } from './line-protocol-reader.js';
export type { ReadLineProtocolFile, ReadPoint, ReadFieldValue } from './line-protocol-reader.js';
