import { isSdkError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { influxSink } from './influx-sink.js';
import { InfluxSinkOptionsSchema } from './options.js';

describe('InfluxSinkOptionsSchema', () => {
  it('defaults: v2, µs precision, gzip, dead-letter on type conflicts, ha schema', () => {
    const o = InfluxSinkOptionsSchema.parse({ url: 'http://localhost:8086', bucket: 'ha' });
    expect(o).toMatchObject({
      apiVersion: '2',
      precision: 'us',
      gzip: true,
      typeConflict: 'dead-letter',
      name: 'influx',
    });
    expect(o.schema.kind).toBe('ha');
  });

  it('requires bucket with v2, database with v1, password with username', () => {
    const issues = (input: unknown) =>
      InfluxSinkOptionsSchema.safeParse(input).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ url: 'http://h:8086' })).toEqual(['bucket']);
    expect(issues({ url: 'http://h:8086', apiVersion: '1' })).toEqual(['database']);
    expect(issues({ url: 'http://h:8086', apiVersion: '1', database: 'ha', username: 'u' })).toEqual(['password']);
    expect(issues({ url: 'ftp://h', bucket: 'b' })).toEqual(['url']);
  });

  it('influxSink throws CONFIG_INVALID naming the component and key, never echoing secrets', () => {
    const secret = 'sup3r-s3cret-token';
    let caught: unknown;
    try {
      influxSink({ url: 'not a url', bucket: 'b', token: secret });
    } catch (error) {
      caught = error;
    }
    expect(isSdkError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(/^influx: invalid options: options\.url/);
    expect(JSON.stringify(caught)).not.toContain(secret);
    expect(String(caught)).not.toContain(secret);
  });
});
