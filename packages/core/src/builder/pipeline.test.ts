import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from './pipeline.js';
import type { Enricher } from '../component/enricher.js';
import { listSource, memorySink, stateEvent } from '../../test/runtime-test-kit.js';

type Ev = ReturnType<typeof stateEvent>;

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('pipeline builder', () => {
  it('is immutable: branches from one builder do not share stages or sinks', async () => {
    const base = pipeline(listSource([stateEvent('light.a', 1), stateEvent('switch.b', 1)])).select({
      include: { domains: ['light', 'switch'] },
    });
    const tag: Enricher<Ev, { tagged: true }> = { kind: 'enricher', name: 'tag', enrich: () => ({ tagged: true }) };
    const plainSink = memorySink<Ev>('plain');
    const taggedSink = memorySink<Ev & { tagged: true }>('tagged');
    const onlyLights = memorySink<Ev>('lights');

    const plain = base.to(plainSink.sink);
    const tagged = base.use(tag).to(taggedSink.sink);
    const lights = base.filter((e) => e.entity_id.startsWith('light.')).to(onlyLights.sink);

    for (const b of [plain, tagged, lights]) {
      const p = b.build();
      await p.start();
      await p.idle();
      const stats = await p.stop();
      expect(Object.keys(stats.written)).toHaveLength(1);
    }
    expect(plainSink.written).toEqual([stateEvent('light.a', 1), stateEvent('switch.b', 1)]);
    expect(taggedSink.written.every((e) => e.tagged)).toBe(true);
    expect(onlyLights.written.map((e) => e.entity_id)).toEqual(['light.a']);
  });

  it('builds independent pipelines from the same builder', async () => {
    const sink = memorySink<Ev>('s');
    const b = pipeline(listSource([stateEvent('light.a', 1)])).to(sink.sink);
    const p1 = b.build();
    const p2 = b.build();
    expect(p1).not.toBe(p2);
    await p1.start();
    await p1.idle();
    expect(p2.stats().received).toBe(0);
    await p1.stop();
    await p2.stop();
  });
});
