import type { DeadLetterInput, StageContext } from '../component/context.js';
import { noopLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';

/** A {@link StageContext} for tests, with what it collected and a handle to abort it. */
export interface TestContext extends StageContext {
  /** Dead letters passed to `deadLetter`, in order. */
  readonly deadLetters: DeadLetterInput[];
  /** Errors passed to `report`, in order. */
  readonly reported: unknown[];
  /** Aborts `signal`. */
  readonly abort: (reason?: unknown) => void;
}

/**
 * Creates a stage context for unit tests: a noop logger, a clock that follows `Date.now` (so
 * `vi.useFakeTimers()` / `vi.setSystemTime()` drive it) unless `now` is given, fresh metrics on their own
 * registry, and arrays collecting dead letters and reported errors. Any member can be overridden.
 *
 * @example
 * const ctx = createTestContext({ now: () => 1_700_000_000_000 });
 * await sink.write(batch, ctx);
 * expect(ctx.deadLetters).toEqual([]);
 */
export function createTestContext(overrides: Partial<StageContext> = {}): TestContext {
  const controller = new AbortController();
  const deadLetters: DeadLetterInput[] = [];
  const reported: unknown[] = [];
  return {
    signal: controller.signal,
    logger: noopLogger,
    now: () => Date.now(),
    metrics: createMetrics(),
    deadLetter: (entry) => {
      deadLetters.push(entry);
    },
    report: (error) => {
      reported.push(error);
    },
    // No pipeline, so nothing is provided: pass `capability` to hand a test enricher what it needs.
    capability: () => undefined,
    ...overrides,
    deadLetters,
    reported,
    abort: (reason) => controller.abort(reason),
  };
}
