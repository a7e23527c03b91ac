// @ha-ingestor/core/stages: the rules the built-in stages apply, for code that must agree with them:
// HA's include/exclude filter, the dedupe identity and store, and the event-time range (plus the lag rule).
export { compileFilterRules, globToRegExp } from './filter.js';
export { createDedupeStore } from './dedupe.js';
export type { DedupeStore } from './dedupe.js';
export { eventSeries, dedupeIdentity } from '../model/identity.js';
export { EVENT_TIME_MIN, EVENT_TIME_MAX, EVENT_TIME_FIELDS, checkEventTime } from './event-time.js';
export type { EventTimeProblem } from './event-time.js';
export { lagSeconds, LAG_MAX_SKEW_SECONDS, LAG_MAX_AGE_SECONDS } from '../observability/lag.js';
