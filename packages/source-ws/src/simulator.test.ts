import * as simulator from '@ha-ingestor/ha-simulator';
import { describe, expect, it } from 'vitest';
import * as deprecated from './simulator.js';

// Issue 12: the simulator moved to @ha-ingestor/ha-simulator; the old subpath must keep every name working.
describe('@ha-ingestor/source-ws/simulator (deprecated subpath)', () => {
  it('re-exports every runtime export of @ha-ingestor/ha-simulator, as the same objects', () => {
    expect(Object.keys(deprecated).sort()).toEqual(Object.keys(simulator).sort());
    for (const [name, value] of Object.entries(simulator)) expect(deprecated[name as keyof typeof deprecated], name).toBe(value);
  });

  it('still creates a working simulator', async () => {
    const sim = await deprecated.createHaSimulator({ seed: 3 });
    try {
      expect(sim.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/api\/websocket$/);
      expect(sim.step(5).length).toBeGreaterThanOrEqual(5);
    } finally {
      await sim.close();
    }
  });
});
