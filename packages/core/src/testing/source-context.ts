import type { Ack, SourceStatus, StageContext } from '../component/context.js';
import type { Capability } from '../component/capability.js';
import type { SourceContext } from '../component/source.js';
import { createTestContext, type TestContext } from './context.js';

/** A {@link SourceContext} for tests that records what the source emitted and reported. */
export interface TestSourceContext<E>
  extends SourceContext<E>, Pick<TestContext, 'abort' | 'deadLetters' | 'reported'> {
  /** Every emitted event, in order. */
  readonly events: E[];
  /** Status reports, in order. */
  readonly statuses: SourceStatus[];
  /** Events emitted after the signal aborted (a conforming source emits none). */
  readonly emittedAfterAbort: () => number;
}

/** Options of {@link createTestSourceContext}. */
export interface TestSourceContextOptions extends Partial<StageContext> {
  /** Answers `consumed`: which capabilities a pipeline would take from the source. @default none */
  readonly consumed?: ((capability: Capability) => boolean) | undefined;
  /** How acks are settled: `handled` at once (default), or never (`none`), e.g. to test a source's unacked buffer. */
  readonly ack?: 'handled' | 'none' | undefined;
}

/**
 * Creates the context a source's `run` receives, without a pipeline: `emit`/`emitBatch` record the
 * events and (by default) acknowledge them as handled right away.
 *
 * @example
 * const ctx = createTestSourceContext<HaEvent>();
 * const running = source.run(ctx);
 * await vi.waitFor(() => expect(ctx.events.length).toBeGreaterThan(0));
 * ctx.abort();
 * await running;
 */
export function createTestSourceContext<E>(options: TestSourceContextOptions = {}): TestSourceContext<E> {
  const { ack: ackMode = 'handled', consumed = () => false, ...overrides } = options;
  const base = createTestContext(overrides);
  const events: E[] = [];
  const statuses: SourceStatus[] = [];
  let afterAbort = 0;
  const settle = (ack: Ack | undefined) => {
    if (ackMode === 'handled') ack?.onHandled();
  };
  return {
    ...base,
    emit: async (event, ack) => {
      if (base.signal.aborted) afterAbort += 1;
      events.push(event);
      settle(ack);
    },
    emitBatch: async (batch, ack) => {
      if (base.signal.aborted) afterAbort += batch.length;
      events.push(...batch);
      settle(ack);
    },
    setStatus: (status) => {
      statuses.push(status);
    },
    consumed,
    events,
    statuses,
    emittedAfterAbort: () => afterAbort,
  };
}
