import { afterEach, describe, expect, it } from 'vitest';
import { pipeline } from '@ha-ingestor/core';
import type { HaEvent } from '@ha-ingestor/core';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { haHistoryImportSource, importHistory } from '../../src/recovery/history-import.js';
import type { ImportProgress } from '../../src/recovery/history-import.js';
import { collectingSink, exactlyOnceReport, stateChangeKeys } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('history import against the HA simulator', () => {
  it('yields the same state changes (same keys) as the live path, with progress (removed entities named explicitly)', async () => {
    const sim = await createHaSimulator({ seed: 11 });
    cleanups.push(() => sim.close());
    const start = Date.now() - 1_000;
    sim.step(2_000);
    const expected = stateChangeKeys(sim.emitted.map((e) => e.event));
    const progress: ImportProgress[] = [];
    const events: HaEvent[] = [];
    const t0 = performance.now();
    // Entities removed before the import are not in get_states: name every entity to get them too.
    const entityIds = [
      ...new Set(
        sim.emitted.flatMap((e) =>
          e.event.event_type === 'state_changed' && e.entity_id !== undefined ? [e.entity_id] : [],
        ),
      ),
    ];
    for await (const batch of importHistory({
      url: sim.url,
      token: sim.token,
      start,
      end: Date.now() + 60_000,
      chunkMs: 20_000,
      entityIds,
      onProgress: (p) => progress.push(p),
    })) {
      events.push(...batch);
    }
    const ms = performance.now() - t0;
    expect(exactlyOnceReport(expected, events)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(events.every((e) => e.provenance.mode === 'import')).toBe(true);
    expect(progress.at(-1)?.fraction).toBe(1);
    expect(progress.length).toBeGreaterThan(1);
    console.info(
      `[figures] imported ${events.length} state changes in ${ms.toFixed(0)} ms (${Math.round((events.length / ms) * 1000)} events/s)`,
    );
  });

  it('runs as a finite source through a pipeline (scope: entities in get_states)', async () => {
    const sim = await createHaSimulator({ seed: 12 });
    cleanups.push(() => sim.close());
    const start = Date.now() - 1_000;
    sim.step(300);
    const removed = new Set<string>();
    for (const e of sim.emitted) {
      const data = e.event.data as { new_state?: unknown };
      if (e.event.event_type === 'state_changed' && e.entity_id !== undefined) {
        if (data.new_state === null) removed.add(e.entity_id);
        else removed.delete(e.entity_id);
      }
    }
    const expected = stateChangeKeys(sim.emitted.map((e) => e.event)).filter(
      (k) => !removed.has(k.slice(0, k.lastIndexOf('@'))),
    );
    const sink = collectingSink();
    const p = pipeline(haHistoryImportSource({ url: sim.url, token: sim.token, start, end: Date.now() + 60_000 }))
      .to(sink, { batch: { maxWaitMs: 5 } })
      .build();
    await p.start();
    await p.idle();
    await p.stop();
    expect(exactlyOnceReport(expected, sink.events)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  });
});
