// @ha-ingestor/core/resilience: the building blocks of a sink's delivery, for components that need them on
// their own: abortable waits, retry with backoff, a circuit breaker, the disk outbox, bounded buffers and maps.
export { sleep, waitOrAbort } from '../primitives/wait.js';
export { createSignal } from '../primitives/signal.js';
export type { Signal } from '../primitives/signal.js';
export { withRetry, backoffDelay, isNetworkError, RETRY_AFTER_CAP_FACTOR } from '../delivery/retry.js';
export type { WithRetryOptions, BackoffPolicy } from '../delivery/retry.js';
export { parseRetryAfter } from '../delivery/retry-after.js';
export { createBreaker } from '../delivery/breaker.js';
export type { Breaker, BreakerState, CreateBreakerOptions } from '../delivery/breaker.js';
export { BatchOptionsSchema, RetryOptionsSchema, BreakerOptionsSchema } from '../delivery/options.js';
export type { BatchOptions, RetryOptions, BreakerOptions } from '../delivery/options.js';
export { estimateSize } from '../delivery/batcher.js';
export { openOutbox } from '../outbox/disk.js';
export { OutboxOptionsSchema } from '../outbox/options.js';
export type { OutboxOptions, ResolvedOutboxOptions, WhenFull } from '../outbox/options.js';
export type { Outbox, OutboxEntry, OutboxHooks, OpenOutboxOptions } from '../outbox/outbox.js';
export type { OutboxFullInfo } from '../outbox/full.js';
export { createBoundedQueue } from '../runtime/queue.js';
export type { BoundedQueue } from '../runtime/queue.js';
export { createBoundedMap } from '../primitives/bounded-map.js';
export type { BoundedMap, BoundedMapOptions, BoundedMapEviction } from '../primitives/bounded-map.js';
export { httpExchange } from '../primitives/http-exchange.js';
export type { HttpExchangeOptions, HttpExchangeResponse } from '../primitives/http-exchange.js';
export { createInFlightWindow } from '../primitives/in-flight-window.js';
export type { InFlightWindow } from '../primitives/in-flight-window.js';
