import * as simulator from '@ha-ingestor/ha-simulator';
import { describe, expect, it } from 'vitest';
import * as deprecated from './simulator.js';

const NAMES_0_1_0 = [
  'createHaSimulator',
  'HaSimulatorOptionsSchema',
  'createEventGenerator',
  'createHomeGenerator',
  'createHome',
  'compressState',
  'stateDiff',
  'stateDiffEvent',
  'getSignificantStates',
  'isoFromMicros',
  'parseIsoToMicros',
  'createSimClock',
  'createVirtualClock',
  'createRng',
  'ulidAt',
  'isUlid',
] as const;

// Issue 12: the simulator moved to @ha-ingestor/ha-simulator; the old subpath must keep every name working.
describe('@ha-ingestor/source-ws/simulator (deprecated subpath)', () => {
  it('keeps every runtime name it had in 0.1.0, as the very objects of @ha-ingestor/ha-simulator', () => {
    // Frozen at 0.1.0: the new package may grow, this deprecated subpath does not.
    expect(Object.keys(deprecated).sort()).toEqual([...NAMES_0_1_0].sort());
    for (const name of NAMES_0_1_0) expect(deprecated[name], name).toBe(simulator[name]);
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
