import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSdkError } from '../model/errors.js';
import type { Sink, SinkWriteResult } from '../component/sink.js';
import { createTestContext, type TestContext } from './context.js';

/** What `additionalTests` receives: the sink and context of the running test. */
export interface SinkTestHandle<E> {
  /** The sink under test, as created for this test. */
  readonly sink: () => Sink<E>;
  /** The stage context the suite passes to the sink. */
  readonly ctx: () => TestContext;
}

/** Options of {@link testSink}. */
export interface TestSinkOptions<E> {
  /** Shown in the describe block. */
  readonly name: string;
  /** Makes a fresh, healthy sink; called before every test. */
  readonly create: () => Sink<E> | Promise<Sink<E>>;
  /** A batch of valid events (fresh objects on every call). */
  readonly sampleEvents: () => E[];
  /**
   * Reads back everything the most recently created sink has durably stored (file lines, rows from the
   * database, …). With it the suite proves "write() resolves only after acceptance" and "flushes on close".
   */
  readonly read?: (() => Promise<unknown[]>) | undefined;
  /** More `it` blocks (sink-specific failures, e.g. "rejects with SINK_REJECTED on HTTP 400"). */
  readonly additionalTests?: ((handle: SinkTestHandle<E>) => void) | undefined;
  /** Per-test timeout for slow sinks (ms). @default 10000 */
  readonly timeoutMs?: number | undefined;
}

/**
 * Registers the sink conformance suite (after unstorage's `testDriver`): every sink of the repository
 * runs it. Call at the top level of a vitest file.
 *
 * @example
 * testSink({ name: 'file', create: () => fileSink({ dir }), sampleEvents: () => [makeStateChanged()], read: readLines });
 */
export function testSink<E>(options: TestSinkOptions<E>): void {
  const timeout = options.timeoutMs ?? 10_000;
  describe(`sink conformance: ${options.name}`, () => {
    let sink: Sink<E> | undefined;
    let ctx: TestContext | undefined;
    const current = () => sink ?? expect.fail('sink not created');
    const context = () => ctx ?? expect.fail('context not created');

    beforeEach(async () => {
      ctx = createTestContext();
      sink = await options.create();
      await sink.open?.(ctx);
    }, timeout);
    afterEach(async () => {
      await sink?.close?.();
      sink = undefined;
    }, timeout);

    it('is a plain object with kind "sink", a name and function members', () => {
      const s = current();
      expect(s.kind).toBe('sink');
      expect(typeof s.name).toBe('string');
      expect(s.name.length).toBeGreaterThan(0);
      expect(typeof s.write).toBe('function');
    });

    it('write() resolves only once the batch is accepted (read back right after)', { timeout }, async () => {
      const events = options.sampleEvents();
      const before = options.read ? (await options.read()).length : 0;
      const result = await current().write(events, context());
      const accepted = events.length - rejectedCount(result, events.length);
      expect(accepted).toBeGreaterThan(0);
      if (options.read) expect((await options.read()).length - before).toBeGreaterThanOrEqual(accepted);
    });

    it('reports rejected events only by valid, unique indices of the batch', { timeout }, async () => {
      const events = options.sampleEvents();
      const result = await current().write(events, context());
      rejectedCount(result, events.length);
    });

    it('accepts an empty batch', { timeout }, async () => {
      const before = options.read ? (await options.read()).length : 0;
      const result = await current().write([], context());
      expect(rejectedCount(result, 0)).toBe(0);
      if (options.read) expect((await options.read()).length).toBe(before);
    });

    it('flushes on close: everything written is stored once close() resolves', { timeout }, async () => {
      const s = current();
      let accepted = 0;
      for (let i = 0; i < 3; i++) {
        const events = options.sampleEvents();
        accepted += events.length - rejectedCount(await s.write(events, context()), events.length);
      }
      await s.close?.();
      if (options.read) expect((await options.read()).length).toBeGreaterThanOrEqual(accepted);
    });

    it('close() is idempotent', { timeout }, async () => {
      const s = current();
      await s.write(options.sampleEvents(), context());
      await s.close?.();
      await s.close?.();
    });

    it('rejects with an SdkError (not a plain Error) when it cannot write: after close', { timeout }, async () => {
      const s = current();
      if (!s.close) return;
      await s.close();
      const error: unknown = await s.write(options.sampleEvents(), context()).then(
        () => expect.fail('write after close resolved'),
        (e: unknown) => e,
      );
      expect(isSdkError(error)).toBe(true);
    });

    it('honours an aborted signal: a write settles (resolves or rejects with an SdkError)', { timeout }, async () => {
      const aborted = createTestContext();
      aborted.abort(new Error('stop'));
      const outcome: unknown = await current()
        .write(options.sampleEvents(), aborted)
        .then(
          () => 'resolved',
          (e: unknown) => e,
        );
      if (outcome !== 'resolved') expect(isSdkError(outcome)).toBe(true);
    });

    it('healthcheck resolves when the sink is healthy', { timeout }, async () => {
      const s = current();
      if (!s.healthcheck) return;
      await expect(s.healthcheck(new AbortController().signal)).resolves.toBeUndefined();
    });

    options.additionalTests?.({ sink: current, ctx: context });
  });
}

// --- internal ---

/** Checks the shape of a write result and returns how many events it rejected. */
function rejectedCount(result: SinkWriteResult | void, batchLength: number): number {
  const rejected = result?.rejected ?? [];
  const seen = new Set<number>();
  for (const r of rejected) {
    expect(Number.isInteger(r.index) && r.index >= 0 && r.index < batchLength, `rejected index ${r.index}`).toBe(true);
    expect(seen.has(r.index), `index ${r.index} rejected twice`).toBe(false);
    expect(typeof r.reason).toBe('string');
    expect(typeof r.message).toBe('string');
    seen.add(r.index);
  }
  return rejected.length;
}
