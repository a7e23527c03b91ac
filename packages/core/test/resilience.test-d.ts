import { describe, expectTypeOf, it } from 'vitest';
import type { HaEvent, Sink, Source, StateChangedEvent } from '../src/index.js';
import { pipeline } from '../src/index.js';
import { fileSink, type FileSinkOptions } from '../src/file-sink/index.js';
import {
  createBreaker,
  openOutbox,
  withRetry,
  type BreakerState,
  type Outbox,
  type OutboxEntry,
} from '../src/resilience/index.js';
import { arraySource, collectingSink, type CollectingSink } from '../src/testing/index.js';

declare const haSource: Source<HaEvent>;
declare const stateSource: Source<StateChangedEvent>;

describe('resilience and file sink types', () => {
  it('withRetry and Breaker.fire keep the result type', () => {
    expectTypeOf(withRetry(async () => 42, { retries: 1, minDelayMs: 1, maxDelayMs: 2 })).toEqualTypeOf<
      Promise<number>
    >();
    const breaker = createBreaker({ name: 'x', threshold: 1, resetTimeoutMs: 1 });
    expectTypeOf(breaker.fire(async () => 'ok')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(breaker.state()).toEqualTypeOf<BreakerState>();
  });

  it('openOutbox is typed by its records', () => {
    expectTypeOf(openOutbox<StateChangedEvent>({ name: 'x', dir: '/tmp/x' })).toEqualTypeOf<
      Promise<Outbox<StateChangedEvent>>
    >();
    expectTypeOf<Awaited<ReturnType<Outbox<number>['peek']>>>().toEqualTypeOf<OutboxEntry<number> | undefined>();
  });

  it('the file sink takes any HA event stream, enriched or not', () => {
    pipeline(haSource).to(fileSink({ dir: './data' }));
    pipeline(stateSource)
      .use({ kind: 'enricher', name: 'area', enrich: () => ({ area: 'kitchen' }) })
      .to(fileSink({ dir: './data', format: 'both' }));
  });

  it('accepts a toLines hook typed for a richer event (bivariant hook)', () => {
    const toLines = (events: readonly HaEvent[]) => ({
      lines: events.map((e) => `m v=1 ${e.time_fired}`),
      rejected: [],
    });
    fileSink({ dir: './data', format: 'lp' }, { toLines });
  });

  it('rejects invalid options at compile time', () => {
    // @ts-expect-error format must be one of ndjson | lp | both
    fileSink({ dir: './data', format: 'csv' });
    // @ts-expect-error dir is required
    fileSink({});
    expectTypeOf<FileSinkOptions['rotate']>().toEqualTypeOf<{ maxBytes?: number; maxAgeMs?: number } | undefined>();
  });

  it('testing helpers carry the event type', () => {
    expectTypeOf(collectingSink<StateChangedEvent>()).toEqualTypeOf<CollectingSink<StateChangedEvent>>();
    expectTypeOf(collectingSink<StateChangedEvent>()).toMatchTypeOf<Sink<StateChangedEvent>>();
    expectTypeOf(arraySource([1, 2])).toMatchTypeOf<Source<number>>();
  });
});
