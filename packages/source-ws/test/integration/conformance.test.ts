import { testSource, waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import type { HaSimulator } from '@ha-ingestor/ha-simulator';
import { haHistoryImportSource } from '../../src/recovery/history-import.js';
import { haWebSocketSource } from '../../src/ha-websocket-source.js';

let sim: HaSimulator | undefined;

testSource({
  name: 'ha-websocket',
  create: async () => {
    sim = await createHaSimulator({ seed: 31 });
    return haWebSocketSource({ url: sim.url, token: sim.token, reconnect: { minDelayMs: 10, maxDelayMs: 50 } });
  },
  // Keep producing until the source is connected and has emitted something.
  trigger: async (ctx) => {
    await waitFor(
      () => {
        sim?.step(5);
        return ctx.events.length;
      },
      'a first event from the simulator',
      { timeoutMs: 5_000, intervalMs: 20 },
    );
  },
  cleanup: async () => {
    await sim?.close();
    sim = undefined;
  },
});

testSource({
  name: 'ha-history-import',
  create: async () => {
    sim = await createHaSimulator({ seed: 32 });
    const start = Date.now() - 1_000;
    sim.step(50);
    return haHistoryImportSource({ url: sim.url, token: sim.token, start, end: Date.now() + 60_000 });
  },
  cleanup: async () => {
    await sim?.close();
    sim = undefined;
  },
});
