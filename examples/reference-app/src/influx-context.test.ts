import { ConfigError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { configFromYaml, resolveConfig } from './config.js';
import { ENRICHER_NAMES } from './enrichers-schema.js';
import { CONTEXT_FIELDS_BY_ENRICHER, influxContextFields } from './influx-context.js';

const TIME = ['hour', 'weekday', 'weekend', 'part_of_day', 'season', 'daylight'];

function fieldsFor(env: NodeJS.ProcessEnv): string[] {
  const config = resolveConfig({}, env);
  return influxContextFields(config.influx.contextFields, config.enrichers.use);
}

function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    resolveConfig({}, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a config error');
}

describe('InfluxDB context fields', () => {
  it('follows ENRICHERS when INFLUXDB_CONTEXT_FIELDS is unset (default registry,time → the time fields)', () => {
    expect(fieldsFor({})).toEqual(TIME);
    expect(fieldsFor({ ENRICHERS: 'none' })).toEqual([]);
    expect(fieldsFor({ ENRICHERS: 'registry,units' })).toEqual([]);
    expect(fieldsFor({ ENRICHERS: 'carbon_intensity_uk,time,octopus_agile', OCTOPUS_AGILE_REGION: 'C' })).toEqual([
      'carbon_intensity',
      ...TIME,
      'electricity_price',
    ]);
  });

  it('maps every enricher to the properties it adds that the schemas do not already write', () => {
    expect(Object.keys(CONTEXT_FIELDS_BY_ENRICHER).sort()).toEqual([...ENRICHER_NAMES].sort());
    expect(influxContextFields(undefined, [...ENRICHER_NAMES])).toEqual([
      ...TIME,
      'weather',
      'calendar',
      'owm_weather',
      'air_quality',
      'carbon_intensity',
      'electricity_price',
    ]);
  });

  it('takes INFLUXDB_CONTEXT_FIELDS (or influx.contextFields) over the derived list; none = off', () => {
    expect(fieldsFor({ INFLUXDB_CONTEXT_FIELDS: 'hour, season' })).toEqual(['hour', 'season']);
    expect(fieldsFor({ INFLUXDB_CONTEXT_FIELDS: 'none' })).toEqual([]);
    const config = configFromYaml('influx:\n  contextFields: [weather, hour]\n', {});
    expect(influxContextFields(config.influx.contextFields, config.enrichers.use)).toEqual(['weather', 'hour']);
  });

  it('refuses time, repeats and none beside names, naming the env variable', () => {
    expect(errorOf({ INFLUXDB_CONTEXT_FIELDS: 'hour,time' })).toMatch(/INFLUXDB_CONTEXT_FIELDS.*"time"/);
    expect(errorOf({ INFLUXDB_CONTEXT_FIELDS: 'hour,hour' })).toMatch(/INFLUXDB_CONTEXT_FIELDS.*listed twice/);
    expect(errorOf({ INFLUXDB_CONTEXT_FIELDS: 'none,hour' })).toMatch(/INFLUXDB_CONTEXT_FIELDS.*list it alone/);
  });
});
