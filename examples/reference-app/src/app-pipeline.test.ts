import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopLogger, type HaEvent } from '@ha-ingestor/core';
import { arraySource, makeStateChanged, waitFor } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestor } from './app.js';
import { resolveConfig } from './config.js';

// What the app's pipeline does with filters and validation levels, in process with the file sink.
describe('createIngestor: filters and VALIDATION', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  const events: unknown[] = [
    makeStateChanged({ entity_id: 'sensor.kitchen_temperature', state: '21' }),
    makeStateChanged({ entity_id: 'sensor.phone_battery', state: '80' }),
    makeStateChanged({ entity_id: 'light.kitchen', state: 'on' }),
    { ...makeStateChanged({ entity_id: 'sensor.bad_state' }), state: 21 }, // fast and strict refuse it
    makeStateChanged({ entity_id: 'sensor.odd_unit', attributes: { unit_of_measurement: 5 } }), // strict only
    'not an event', // fast and strict refuse it
  ];

  async function run(env: NodeJS.ProcessEnv) {
    const dataDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-app-'));
    dirs.push(dataDir);
    const config = resolveConfig({}, { DATA_DIR: dataDir, BATCH_TIMEOUT: '0.01', ...env });
    const source = arraySource(events as HaEvent[]);
    const { pipeline } = await createIngestor(config, noopLogger, { sources: [source] });
    await pipeline.start();
    await waitFor(() => source.handled() + source.failed().length, 'every event handled', {
      until: (n) => n === events.length,
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const stats = await pipeline.stop();
    const deadLetters = await readFile(join(dataDir, 'dead-letter.ndjson'), 'utf8').catch(() => '');
    return { stats, deadLetters, failed: source.failed() };
  }

  it('fast (the default) dead-letters the malformed events and goes on', async () => {
    const { stats, deadLetters, failed } = await run({});
    expect(failed).toEqual([]);
    expect(stats.written['file']).toBe(4);
    expect(stats.dropped).toEqual({ invalid: 2 });
    expect(deadLetters).toContain('state must be text or null, not number');
    expect(deadLetters).toContain('event is text, not an object');
  });

  it('strict also refuses the numeric unit; off lets everything through to the sink', async () => {
    const strict = await run({ VALIDATION: 'strict' });
    expect(strict.stats.written['file']).toBe(3);
    expect(strict.stats.dropped).toEqual({ invalid: 3 });
    expect(strict.deadLetters).toContain('unit_of_measurement must be text, not number');
    const off = await run({ VALIDATION: 'off' });
    expect(off.stats.dropped['invalid']).toBeUndefined();
    expect(off.deadLetters).not.toContain('"reason":"invalid"');
  });

  it('filters before validation: an excluded malformed event is filtered, not dead-lettered', async () => {
    const { stats, deadLetters } = await run({
      INCLUDE_DOMAINS: 'sensor',
      EXCLUDE_ENTITIES: 'sensor.*_battery,sensor.bad_?tate',
      VALIDATION: 'strict',
    });
    // Kept: kitchen_temperature. Filtered: battery, light, bad_state, and the text (no entity, no domain).
    expect(stats.written['file']).toBe(1);
    expect(stats.dropped).toEqual({ filtered: 4, invalid: 1 });
    expect(deadLetters).toContain('sensor.odd_unit');
    expect(deadLetters).not.toContain('sensor.bad_state');
  });
});
