import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { waitFor } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, startReadyCli } from './cli-process.js';

interface Stored {
  readonly event_type: string;
  readonly entity_id?: string;
  readonly data?: { readonly domain?: string; readonly entity_id?: string };
}

interface Stats {
  readonly pipeline: { readonly dropped: Record<string, number>; readonly written: Record<string, number> };
}

/** Every event the file sink wrote (NDJSON files under `<dataDir>/events`). */
async function storedEvents(dataDir: string): Promise<Stored[]> {
  const dir = join(dataDir, 'events');
  const files = await readdir(dir).catch(() => []);
  const events: Stored[] = [];
  for (const file of files.filter((f) => f.endsWith('.ndjson')).sort()) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      if (line !== '') events.push(JSON.parse(line) as Stored);
    }
  }
  return events;
}

// Filters and validation as a user configures them: env only, the CLI as a child process against the HA
// simulator, the file sink's output read back.
describe('ha-ingestor run with INCLUDE/EXCLUDE filters and VALIDATION=strict (child process)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('stores exactly the included, not excluded, valid events; filtered and invalid counts show in /api/v1/stats', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-filters-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const sim: HaSimulator = await createHaSimulator({ seed: 5 });
    cleanups.push(() => sim.close());
    const { cli, url } = await startReadyCli(
      {
        HA_URL: sim.url,
        HA_TOKEN: sim.token,
        INCLUDE_DOMAINS: 'light',
        INCLUDE_ENTITIES: 'sensor.*_temperature,sensor.*_battery,switch.coffee_maker',
        INCLUDE_EVENT_TYPES: 'automation_triggered',
        EXCLUDE_ENTITIES: 'sensor.outdoor_temperature,light.hall_?',
        VALIDATION: 'strict',
        BATCH_TIMEOUT: '0.1',
        DATA_DIR: dataDir,
        HTTP_PORT: '0',
        LOG_LEVEL: 'info',
      },
      cleanups,
    );
    // Subscribed to every event type (call_service, registry events…), not only state_changed.
    await cli.waitForLog('connected to HA', 20_000);
    const stats = async () => (await (await fetch(`${url}/api/v1/stats`)).json()) as Stats;
    const before = await stats();

    // Kept: included by glob, by exact id, by domain, by event type.
    sim.setState('sensor.living_room_temperature', '21.7');
    sim.setState('sensor.alice_phone_battery', '54');
    sim.addEntity('switch.coffee_maker', 'on');
    sim.addEntity('light.hall_main', 'on'); // `light.hall_?` matches one character only
    sim.fireEvent('call_service', { domain: 'light', service: 'turn_on', service_data: { entity_id: 'light.x' } });
    sim.fireEvent('automation_triggered', { name: 'Morning', entity_id: 'automation.morning' });
    // Filtered: excluded (exclude wins over include), or matching no include rule.
    sim.setState('sensor.outdoor_temperature', '3.5');
    sim.addEntity('light.hall_1', 'on');
    sim.setState('sensor.house_power', '1200');
    sim.addEntity('switch.heater', 'off');
    sim.fireEvent('call_service', { domain: 'switch', service: 'turn_on', service_data: {} });
    sim.fireEvent('script_started', { name: 'Bedtime', entity_id: 'script.bedtime' });
    // Included, but invalid under strict: a unit that is not text; a state changed after it was updated.
    sim.addEntity('sensor.garage_temperature', '12', { unit_of_measurement: 5 });

    // Non-state events match on data.entity_id / data.domain (core's rules): the registry events of the
    // added entities are kept when their entity is.
    const expected = [
      'automation_triggered automation.morning',
      'call_service light',
      'entity_registry_updated light.hall_main',
      'entity_registry_updated sensor.garage_temperature',
      'entity_registry_updated switch.coffee_maker',
      'state_changed light.hall_main',
      'state_changed sensor.alice_phone_battery',
      'state_changed sensor.living_room_temperature',
      'state_changed switch.coffee_maker',
    ];
    const describeStored = (events: readonly Stored[]) =>
      events.map((e) => `${e.event_type} ${e.entity_id ?? e.data?.entity_id ?? e.data?.domain ?? '?'}`).sort();
    const stored = await waitFor(async () => describeStored(await storedEvents(dataDir)), 'the kept events stored', {
      until: (found) => found.length >= expected.length,
      timeoutMs: 20_000,
      intervalMs: 100,
    }).catch(async (error: unknown) => {
      const dl = await readFile(join(dataDir, 'dead-letter.ndjson'), 'utf8').catch(() => '');
      throw new Error(`${String(error)}\ndead letters:\n${dl.slice(0, 3000)}\nstats: ${JSON.stringify(await stats())}`);
    });
    const after = await waitFor(stats, 'the invalid event counted', {
      until: (s) => (s.pipeline.dropped['invalid'] ?? 0) >= 1,
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(stored).toEqual(expected);
    // addEntity fires registry events too, which no include rule matches: at least the 6 above.
    expect(
      (after.pipeline.dropped['filtered'] ?? 0) - (before.pipeline.dropped['filtered'] ?? 0),
    ).toBeGreaterThanOrEqual(6);
    expect(after.pipeline.dropped['invalid']).toBe(1);
    const deadLetters = await readFile(join(dataDir, 'dead-letter.ndjson'), 'utf8');
    expect(deadLetters).toContain('unit_of_measurement must be text, not number');
    expect(deadLetters).toContain('sensor.garage_temperature');

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(describeStored(await storedEvents(dataDir))).toEqual(expected);
  });

  it('`check-config` refuses a bad glob and an unknown VALIDATION, naming the variable, the entry and the choices', async () => {
    const cli = startCli(['check-config'], {
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      EXCLUDE_ENTITIES: 'sensor.ok,Sensor.*',
      VALIDATION: 'paranoid',
    });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/EXCLUDE_ENTITIES \(filters\.exclude\.entities\) = .*bad entry "Sensor\.\*"/);
    expect(cli.output()).toMatch(/VALIDATION \(pipeline\.validation\) = "paranoid": expected one of off, fast, strict/);
  });
});
