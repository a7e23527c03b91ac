import { isSdkError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { configFromYaml, resolveConfig } from './config.js';
import { filterRulesOf } from './config-filters.js';

/** The ConfigError message of resolving `env` (and YAML `file`), or a failure when it resolves. */
function errorOf(env: NodeJS.ProcessEnv, file: Record<string, unknown> = {}): string {
  try {
    resolveConfig(file, env);
  } catch (error) {
    expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a config error');
}

describe('filters config', () => {
  it('has no filter stage when nothing is set', () => {
    expect(filterRulesOf(resolveConfig({}, {}).filters)).toBeUndefined();
  });

  it('reads the comma lists from env and splits entity globs from exact ids', () => {
    const config = resolveConfig(
      {},
      {
        INCLUDE_DOMAINS: 'sensor, binary_sensor',
        INCLUDE_ENTITIES: 'light.kitchen,sensor.*_battery,switch.plug_?',
        INCLUDE_EVENT_TYPES: 'call_service',
        EXCLUDE_DOMAINS: 'automation',
        EXCLUDE_ENTITIES: 'sensor.noisy,*.debug_*',
        EXCLUDE_EVENT_TYPES: 'zha_event',
      },
    );
    expect(filterRulesOf(config.filters)).toEqual({
      include: {
        domains: ['sensor', 'binary_sensor'],
        entities: ['light.kitchen'],
        entity_globs: ['sensor.*_battery', 'switch.plug_?'],
        event_types: ['call_service'],
      },
      exclude: {
        domains: ['automation'],
        entities: ['sensor.noisy'],
        entity_globs: ['*.debug_*'],
        event_types: ['zha_event'],
      },
    });
  });

  it('reads the YAML shape, and env wins over it', () => {
    const config = configFromYaml(
      'filters:\n  include:\n    domains: [sensor]\n  exclude:\n    entities:\n      - sensor.*_battery\n',
      { INCLUDE_DOMAINS: 'light' },
    );
    expect(filterRulesOf(config.filters)).toEqual({
      include: { domains: ['light'], entities: [], entity_globs: [], event_types: [] },
      exclude: { domains: [], entities: [], entity_globs: ['sensor.*_battery'], event_types: [] },
    });
  });

  it.each([
    [
      { INCLUDE_DOMAINS: 'sensor,Binary-Sensor' },
      /INCLUDE_DOMAINS \(filters\.include\.domains\) = .*bad entry "Binary-Sensor": expected domains/,
    ],
    [
      { EXCLUDE_DOMAINS: 'sensor.kitchen' },
      /EXCLUDE_DOMAINS \(filters\.exclude\.domains\) = .*bad entry "sensor\.kitchen"/,
    ],
    [
      { INCLUDE_ENTITIES: 'sensor_battery' },
      /INCLUDE_ENTITIES \(filters\.include\.entities\) = .*bad entry "sensor_battery": expected entity ids or globs, e\.g\. `sensor\.kitchen_temperature` or `sensor\.\*_battery`/,
    ],
    [
      { EXCLUDE_ENTITIES: 'sensor.*[0-9]' },
      /EXCLUDE_ENTITIES \(filters\.exclude\.entities\) = .*bad entry "sensor\.\*\[0-9\]"/,
    ],
    [{ EXCLUDE_ENTITIES: 'Sensor.Kitchen,light.a b' }, /bad entries "Sensor\.Kitchen", "light\.a b"/],
    [
      { INCLUDE_EVENT_TYPES: 'call service' },
      /INCLUDE_EVENT_TYPES \(filters\.include\.eventTypes\) = .*bad entry "call service": expected event types/,
    ],
  ])('refuses a bad entry, naming the env variable and the entry: %j', (env, message) => {
    expect(errorOf(env)).toMatch(message);
  });

  it('refuses a bad YAML entry by file key, a non-list, and an unknown key with a suggestion', () => {
    expect(errorOf({}, { filters: { include: { entities: ['sensor.ok', 'nodot'] } } })).toMatch(
      /config: filters\.include\.entities = .*bad entry "nodot"/,
    );
    expect(errorOf({}, { filters: { exclude: { domains: 5 } } })).toMatch(
      /filters\.exclude\.domains = 5: expected a list of domains/,
    );
    expect(errorOf({}, { filters: { include: { entity: ['sensor.a'] } } })).toMatch(
      /filters\.include\.entity: unknown key; known keys: domains, entities, eventTypes/,
    );
    expect(errorOf({}, { filters: { includes: {} } })).toMatch(
      /filters\.includes: unknown key; did you mean "include"\?/,
    );
  });

  it('cuts a long bad entry and lists at most five', () => {
    const message = errorOf({ EXCLUDE_ENTITIES: ['X'.repeat(500), 'a', 'b', 'c', 'd', 'e', 'f'].join(',') });
    expect(message).toContain(`bad entries "${'X'.repeat(64)}…", "a", "b", "c", "d" and 2 more`);
    expect(message).not.toContain('X'.repeat(121)); // the value shown is cut too
  });
});

describe('VALIDATION config', () => {
  it('defaults to fast, reads any case, and takes the YAML key', () => {
    expect(resolveConfig({}, {}).pipeline.validation).toBe('fast');
    expect(resolveConfig({}, { VALIDATION: 'Strict' }).pipeline.validation).toBe('strict');
    expect(resolveConfig({ pipeline: { validation: 'off' } }, {}).pipeline.validation).toBe('off');
  });

  it('refuses an unknown level naming the allowed ones', () => {
    expect(errorOf({ VALIDATION: 'paranoid' })).toMatch(
      /VALIDATION \(pipeline\.validation\) = "paranoid": expected one of off, fast, strict/,
    );
  });

  it('reads v0.3.0 data_quality.validation_strict as strict/fast and refuses other values', () => {
    expect(configFromYaml('data_quality:\n  validation_strict: true', {}).pipeline.validation).toBe('strict');
    expect(configFromYaml('data_quality:\n  validation_strict: false', {}).pipeline.validation).toBe('fast');
    expect(() => configFromYaml('data_quality:\n  validation_strict: maybe', {})).toThrow(
      /data_quality\.validation_strict \(now pipeline\.validation\) = "maybe": expected one of off, fast, strict/,
    );
  });
});
