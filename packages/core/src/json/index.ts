// @ha-ingestor/core/json: JSON at trust boundaries. Parse outside text with a depth bound before anything
// walks it, measure depth without recursion, and make JSON-safe copies for logs and dead letters.
export { MAX_JSON_DEPTH, MAX_EVENT_DEPTH, parseJsonText, jsonDepthBeyond, valueDepth } from './parse.js';
export type { JsonTextError } from './parse.js';
export { toJsonSafe, TRUNCATED } from './safe.js';
export type { JsonSafeLimits } from './safe.js';
