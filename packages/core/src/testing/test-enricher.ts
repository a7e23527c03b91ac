import { describe, expect, it } from 'vitest';
import { DROP, type Enricher } from '../component/enricher.js';
import { createTestContext } from './context.js';

/** Options of {@link testEnricher}. */
export interface TestEnricherOptions<In, Added extends object> {
  readonly name: string;
  /** Makes a fresh enricher; called once per test. */
  readonly create: () => Enricher<In, Added> | Promise<Enricher<In, Added>>;
  /** Events to enrich (fresh objects on every call); include ones the enricher drops, if it drops any. */
  readonly sampleEvents: () => In[];
  /** Clock of the test context (ms); fixed so results are comparable. @default 1700000000000 */
  readonly now?: number | undefined;
  /** More `it` blocks for enricher-specific behaviour. */
  readonly additionalTests?: (() => void) | undefined;
}

/**
 * Registers the enricher conformance suite: a plain object with kind/name; `enrich` returns only the
 * fields it adds or overwrites (or `DROP`), never mutates its input, and is deterministic for the same
 * input and clock; `enrichBatch`, when present, matches `enrich`; `close` is idempotent.
 *
 * @example
 * testEnricher({ name: 'time-context', create: () => timeContext(), sampleEvents: () => [makeStateChanged()] });
 */
export function testEnricher<In, Added extends object>(options: TestEnricherOptions<In, Added>): void {
  const now = options.now ?? 1_700_000_000_000;
  const context = () => createTestContext({ now: () => now });

  /** Creates and starts an enricher, runs `fn`, then closes it. */
  const withEnricher = async (fn: (enricher: Enricher<In, Added>) => Promise<void>) => {
    const enricher = await options.create();
    await enricher.start?.(context());
    try {
      await fn(enricher);
    } finally {
      await enricher.close?.();
    }
  };

  describe(`enricher conformance: ${options.name}`, () => {
    it('is a plain object with kind "enricher", a name and enrich()', async () => {
      await withEnricher(async (enricher) => {
        expect(enricher.kind).toBe('enricher');
        expect(typeof enricher.name).toBe('string');
        expect(enricher.name.length).toBeGreaterThan(0);
        expect(typeof enricher.enrich).toBe('function');
      });
    });

    it('returns DROP or a plain object of only added or changed fields', async () => {
      await withEnricher(async (enricher) => {
        for (const event of options.sampleEvents()) {
          const result = await enricher.enrich(event, context());
          if (result === DROP) continue;
          expect(isPlainObject(result), 'result must be a plain object or DROP').toBe(true);
          const input = event as Record<string, unknown>;
          for (const [key, value] of Object.entries(result)) {
            // Echoing an unchanged input field is how enrichers clobber each other's work: return only what changed.
            if (key in input) expect(value, `"${key}" is returned unchanged`).not.toStrictEqual(input[key]);
          }
        }
      });
    });

    it('never mutates its input', async () => {
      await withEnricher(async (enricher) => {
        for (const event of options.sampleEvents()) {
          const before = structuredClone(event);
          await enricher.enrich(event, context());
          expect(event).toStrictEqual(before);
        }
      });
    });

    it('is deterministic for the same input and clock', async () => {
      await withEnricher(async (enricher) => {
        const first = options.sampleEvents();
        const second = options.sampleEvents();
        for (let i = 0; i < first.length; i++) {
          const a = await enricher.enrich(first[i] as In, context());
          const b = await enricher.enrich(second[i] as In, context());
          expect(b).toStrictEqual(a);
        }
      });
    });

    it('enrichBatch (when present) returns what enrich returns, per event', async () => {
      await withEnricher(async (enricher) => {
        if (!enricher.enrichBatch) return;
        const events = options.sampleEvents();
        const batch = await enricher.enrichBatch(events, context());
        expect(batch).toHaveLength(events.length);
        const single = [];
        for (const event of options.sampleEvents()) single.push(await enricher.enrich(event, context()));
        expect(batch).toStrictEqual(single);
      });
    });

    it('close() is idempotent', async () => {
      const enricher = await options.create();
      await enricher.start?.(context());
      await enricher.close?.();
      await enricher.close?.();
    });

    options.additionalTests?.();
  });
}

// --- internal ---

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
