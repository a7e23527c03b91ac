import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { pipeline } from '../builder/pipeline.js';
import { ackRecorder, listSource, memorySink } from '../../test/runtime-test-kit.js';
import { MAX_EVENT_DEPTH } from '../json/parse.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

// A recursive schema, as an integrator writes for free-form attributes: zod walks it recursively.
const json: z.ZodType = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);
const schema = z.object({ entity_id: z.string(), attributes: z.record(z.string(), json) });

function deepList(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

describe('validate stage depth bound (issue 11)', () => {
  it('refuses an event nested past MAX_EVENT_DEPTH as json_too_deep before zod recurses, and the rest flow on', async () => {
    const out = memorySink<z.output<typeof schema>>('out');
    const acks = ackRecorder();
    const events = [
      { entity_id: 'a.ok', attributes: { x: deepList(20) } },
      { entity_id: 'a.deep', attributes: { x: deepList(10_000) } },
      { entity_id: 'a.after', attributes: {} },
    ];
    const p = pipeline(listSource<unknown>(events, (e) => acks.ack((e as { entity_id: string }).entity_id)))
      .validate(schema)
      .to(out.sink)
      .build();
    const dead: Array<{ reason: string; message: string }> = [];
    p.events.on('dead-letter', (r) => dead.push(r));
    const errors: unknown[] = [];
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    await p.idle();
    expect(out.written.map((e) => e.entity_id)).toEqual(['a.ok', 'a.after']);
    expect(dead).toEqual([
      expect.objectContaining({
        reason: 'json_too_deep',
        message: `event nests deeper than ${MAX_EVENT_DEPTH} levels`,
      }),
    ]);
    expect(errors).toEqual([]);
    expect(acks.handled.sort()).toEqual(['a.after', 'a.deep', 'a.ok']);
    const stats = await p.stop();
    expect(stats.dropped).toMatchObject({ json_too_deep: 1 });
  });
});
