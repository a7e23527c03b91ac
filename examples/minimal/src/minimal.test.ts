import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMinimalPipeline } from './minimal.js';

describe('minimal example', () => {
  let sim: HaSimulator;
  let dir: string;
  beforeEach(async () => {
    sim = await createHaSimulator({ seed: 7 });
    dir = await mkdtemp(join(tmpdir(), 'minimal-'));
  });
  afterEach(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes enriched state changes from Home Assistant to NDJSON and skips automations', async () => {
    const ingest = createMinimalPipeline({ url: sim.url, token: sim.token, dir });
    const written: unknown[] = [];
    const enough = new Promise<void>((resolve) => {
      ingest.events.on('written', (_sink, events) => {
        written.push(...events);
        if (written.some((e) => (e as { entity_id?: string }).entity_id === 'sensor.living_room_temperature'))
          resolve();
      });
    });
    const connected = new Promise<void>((resolve) => {
      ingest.events.on('source:status', (_name, status) => {
        if (status.connected) resolve();
      });
    });
    await ingest.start();
    await connected;
    const entity =
      sim.home.getStates().find((s) => s.entity_id.startsWith('binary_sensor.'))?.entity_id ?? 'binary_sensor.missing';
    sim.setState('automation.hallway_motion_light', 'off');
    sim.setState(entity, 'on');
    sim.setState('sensor.living_room_temperature', '21.5');
    await enough;
    const stats = await ingest.stop();

    const files = await readdir(dir);
    const lines = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('').trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const living = events.find((e) => e['entity_id'] === 'sensor.living_room_temperature');
    expect(living).toMatchObject({ state: '21.5', domain: 'sensor', area: 'Living room' });
    expect(typeof living?.['hour']).toBe('number');
    expect(events.some((e) => e['entity_id'] === 'automation.hallway_motion_light')).toBe(false);
    expect(stats.failed).toBe(0);
  });
});
