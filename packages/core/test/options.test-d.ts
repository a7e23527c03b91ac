import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type {
  DedupeOptions,
  DedupeOptionsSchema,
  DeliveryOptions,
  DeliveryOptionsSchema,
  Logger,
  PipelineHooks,
  PipelineOptions,
  PipelineOptionsSchema,
  ResolvedDeliveryOptions,
  Source,
} from '../src/index.js';
import { pipeline } from '../src/index.js';
import type {
  BatchOptions,
  BatchOptionsSchema,
  OpenOutboxOptions,
  OutboxHooks,
  OutboxOptions,
  OutboxOptionsSchema,
  WhenFull,
} from '../src/resilience/index.js';
import type { FileSinkOptions, FileSinkOptionsSchema } from '../src/file-sink/index.js';

declare const source: Source<{ readonly event_type: string; readonly time_fired: number }>;
declare const logger: Logger;

// Issue 12: each option type has one source of truth, its zod schema (input = what users write, output = resolved).
describe('option types come from their schemas', () => {
  it('derives every data option type from its schema', () => {
    expectTypeOf<DeliveryOptions>().toEqualTypeOf<z.input<typeof DeliveryOptionsSchema>>();
    expectTypeOf<ResolvedDeliveryOptions>().toEqualTypeOf<z.output<typeof DeliveryOptionsSchema>>();
    expectTypeOf<DedupeOptions>().toEqualTypeOf<z.input<typeof DedupeOptionsSchema>>();
    expectTypeOf<BatchOptions>().toEqualTypeOf<z.input<typeof BatchOptionsSchema>>();
    expectTypeOf<OutboxOptions>().toEqualTypeOf<z.input<typeof OutboxOptionsSchema>>();
    expectTypeOf<FileSinkOptions>().toEqualTypeOf<z.input<typeof FileSinkOptionsSchema>>();
    expectTypeOf<WhenFull>().toEqualTypeOf<'block' | 'drop-oldest' | 'drop-newest'>();
  });

  it('adds hooks, which no schema holds, as an intersection', () => {
    expectTypeOf<PipelineOptions>().toEqualTypeOf<z.input<typeof PipelineOptionsSchema> & PipelineHooks>();
    expectTypeOf<OpenOutboxOptions>().toEqualTypeOf<OutboxOptions & OutboxHooks>();
  });

  it('accepts what the schemas accept and refuses the rest', () => {
    pipeline(source).build({ logger, now: Date.now, deadLetter: { path: './dl.ndjson' }, stopTimeoutMs: 5000 });
    pipeline(source).dedupe({ windowMs: 1000 });
    // @ts-expect-error a number, not a string
    pipeline(source).build({ maxQueued: '10' });
    // @ts-expect-error deadLetter needs a path
    pipeline(source).build({ deadLetter: { maxBytes: 1 } });
    // @ts-expect-error not a whenFull policy
    const _bad: DeliveryOptions = { outbox: { dir: './o', whenFull: 'spill' } };
  });
});
