import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from '../builder/pipeline.js';
import type { Enricher } from '../component/enricher.js';
import { listSource, memorySink, settle } from '../../test/runtime-test-kit.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const add = <F extends object>(name: string, fields: F): Enricher<object, F> => ({
  kind: 'enricher',
  name,
  enrich: () => fields,
});

describe('enricher runs in the runtime', () => {
  it('a sink tap between enrichers sees only the fields added before it, and the emitted events stay unchanged', async () => {
    const emitted = [
      { entity_id: 'light.a', n: 1 },
      { entity_id: 'light.b', n: 2 },
    ];
    const early = memorySink<object>('early');
    const late = memorySink<object>('late');
    const p = pipeline(listSource(emitted))
      .use(add('a', { a: 1 }))
      .use(add('b', { b: 2 }))
      .to(early.sink, { batch: { maxSize: 2 } })
      .use(add('c', { c: 3 }))
      .use(add('d', { d: 4 }))
      .to(late.sink, { batch: { maxSize: 2 } })
      .build();
    await p.start();
    await settle();
    await p.idle();
    expect(early.written).toEqual([
      { entity_id: 'light.a', n: 1, a: 1, b: 2 },
      { entity_id: 'light.b', n: 2, a: 1, b: 2 },
    ]);
    expect(late.written).toEqual([
      { entity_id: 'light.a', n: 1, a: 1, b: 2, c: 3, d: 4 },
      { entity_id: 'light.b', n: 2, a: 1, b: 2, c: 3, d: 4 },
    ]);
    expect(late.written[0]).not.toBe(early.written[0]);
    expect(emitted).toEqual([
      { entity_id: 'light.a', n: 1 },
      { entity_id: 'light.b', n: 2 },
    ]);
    await p.stop();
  });
});
