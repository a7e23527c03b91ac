import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Source } from '../component/source.js';
import { createTestSourceContext, type TestSourceContext } from './source-context.js';

/** Options of {@link testSource}. */
export interface TestSourceOptions<E> {
  readonly name: string;
  /** Makes a fresh source (and whatever server it needs); called once per test. */
  readonly create: () => Source<E> | Promise<Source<E>>;
  /**
   * Makes the running source produce at least one event (e.g. publish an MQTT message, push a state in
   * the HA simulator). Omit it for sources that emit on their own.
   */
  readonly trigger?: ((ctx: TestSourceContext<E>) => Promise<void> | void) | undefined;
  /** Releases what `create` started (servers, temp dirs); called after every test. */
  readonly cleanup?: (() => Promise<void> | void) | undefined;
  /** Bound for waiting on events and on `run` to return (ms). @default 5000 */
  readonly timeoutMs?: number | undefined;
  /** More `it` blocks for source-specific behaviour. */
  readonly additionalTests?: (() => void) | undefined;
}

/**
 * Registers the source conformance suite: `run()` resolves when its signal aborts, emitted events carry
 * their identity `key` and `provenance`, and nothing is emitted after the abort.
 *
 * @example
 * testSource({ name: 'mqtt', create: () => mqttSource({ url }), trigger: () => publish('ha/sensor/x/state', '1') });
 */
export function testSource<E>(options: TestSourceOptions<E>): void {
  const timeout = options.timeoutMs ?? 5000;
  describe(`source conformance: ${options.name}`, () => {
    afterEach(async () => {
      await options.cleanup?.();
    });

    /** Starts the source and waits for its first event. */
    const started = async () => {
      const source = await options.create();
      const ctx = createTestSourceContext<E>();
      const running = source.run(ctx);
      // Surface a run() that fails before producing anything instead of timing out on waitFor.
      let failure: unknown;
      running.catch((error: unknown) => (failure = error));
      await options.trigger?.(ctx);
      await vi.waitFor(
        () => {
          if (failure !== undefined) throw new Error(`run() rejected: ${String(failure)}`);
          expect(ctx.events.length).toBeGreaterThan(0);
        },
        { timeout, interval: 10 },
      );
      return { source, ctx, running };
    };

    it('is a plain object with kind "source", a name and run()', async () => {
      const source = await options.create();
      expect(source.kind).toBe('source');
      expect(typeof source.name).toBe('string');
      expect(source.name.length).toBeGreaterThan(0);
      expect(typeof source.run).toBe('function');
    });

    it('run() resolves once its signal aborts', { timeout: timeout * 3 }, async () => {
      const { ctx, running } = await started();
      ctx.abort();
      await expect(withTimeout(running, timeout, 'run() did not resolve after abort')).resolves.toBeUndefined();
    });

    it(
      'emits events with a string key and provenance (source, mode, receivedAt)',
      { timeout: timeout * 3 },
      async () => {
        const { source, ctx, running } = await started();
        ctx.abort();
        await running;
        for (const event of ctx.events as unknown as Array<Record<string, unknown>>) {
          expect(typeof event['key']).toBe('string');
          expect((event['key'] as string).length).toBeGreaterThan(0);
          const provenance = event['provenance'] as Record<string, unknown> | undefined;
          expect(provenance).toBeDefined();
          expect(typeof provenance?.['source']).toBe('string');
          expect(provenance?.['source']).toBe(source.name);
          expect(['live', 'backfill', 'import', 'replay']).toContain(provenance?.['mode']);
          expect(Number.isInteger(provenance?.['receivedAt'])).toBe(true);
        }
      },
    );

    it('never emits after its signal aborted', { timeout: timeout * 3 }, async () => {
      const { ctx, running } = await started();
      ctx.abort();
      await running;
      const count = ctx.events.length;
      await options.trigger?.(ctx);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ctx.emittedAfterAbort()).toBe(0);
      expect(ctx.events.length).toBe(count);
    });

    options.additionalTests?.();
  });
}

// --- internal ---

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const error = new Error(message);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
