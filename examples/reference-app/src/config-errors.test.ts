import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSdkError, redactSecrets, type ConfigError } from '@ha-ingestor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envWarnings, loadConfig, resolveConfig } from './config.js';
import { configError } from '../test/config-error.js';

// Regressions of issue 11, item 7: unknown keys were ignored, ranges unchecked, URL passwords printed.
describe('config errors (issue 11)', () => {
  it('refuses an unknown YAML key, naming its path and the closest sibling key', () => {
    const error = configError(() => resolveConfig({ http: { hots: '0.0.0.0' } }, {}, 'config.yaml'));
    expect(error.issues).toEqual([
      { path: 'http.hots', message: 'config.yaml: http.hots: unknown key; did you mean "host"?' },
    ]);
  });

  it('suggests camelCase for snake_case keys and checks the top level too', () => {
    const error = configError(() => resolveConfig({ htpp: {}, pipeline: { batch_size: 5 } }, {}));
    const byPath = Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
    expect(byPath['htpp']).toMatch(/unknown key; did you mean "http"\?/);
    expect(byPath['pipeline.batch_size']).toMatch(/unknown key; did you mean "batchSize"\?/);
  });

  it('lists the known keys when nothing is close', () => {
    const error = configError(() => resolveConfig({ log: { destination: 'x' } }, {}));
    expect(error.message).toContain('log.destination: unknown key; known keys: level, format');
  });

  it('refuses out-of-range and non-numeric values with the allowed range', () => {
    const error = configError(() =>
      resolveConfig(
        { pipeline: { maxRetries: true }, http: { sseMaxClients: [5] } },
        { BATCH_SIZE: '1e12', OUTBOX_MAX_BYTES: '1', HTTP_PORT: '70000' },
      ),
    );
    const byPath = Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
    expect(byPath['pipeline.batchSize']).toBe(
      'BATCH_SIZE (pipeline.batchSize) = "1e12": expected an integer from 1 to 100000',
    );
    expect(byPath['pipeline.outboxMaxBytes']).toBe(
      'OUTBOX_MAX_BYTES (pipeline.outboxMaxBytes) = "1": expected an integer from 1048576 to 1099511627776',
    );
    expect(byPath['http.port']).toBe('HTTP_PORT (http.port) = "70000": expected an integer from 0 to 65535');
    // YAML `true` / `[5]` are refused, not coerced to 1 / 5.
    expect(byPath['pipeline.maxRetries']).toMatch(/= true: expected an integer from 0 to 100$/);
    expect(byPath['http.sseMaxClients']).toMatch(/= \[5\]: expected an integer from 1 to 10000$/);
  });

  it('never prints a URL password or a secret value', () => {
    const error = configError(() =>
      resolveConfig(
        { influx: { url: 'ftp://admin:hunter2@db:8086', token: 12345678 }, http: [{ apiToken: 'sekret-in-array' }] },
        { MQTT_URL: 'gopher://bob:pa@ss/word@broker:1883' },
      ),
    );
    for (const secret of ['hunter2', '12345678', 'sekret-in-array', 'pa@ss', 'word@'])
      expect(error.message).not.toContain(secret);
    expect(error.message).toContain('ftp://admin:***@db:8086');
    expect(error.message).toContain('influx.token = ***');
  });

  it('accepts OUTBOX_WHEN_FULL in the env spelling (drop_oldest) and core spelling (drop-newest)', () => {
    expect(resolveConfig({}, { OUTBOX_WHEN_FULL: 'drop_oldest' }).pipeline.outboxWhenFull).toBe('drop-oldest');
    expect(resolveConfig({ pipeline: { outboxWhenFull: 'drop-newest' } }, {}).pipeline.outboxWhenFull).toBe(
      'drop-newest',
    );
    expect(resolveConfig({}, {}).pipeline.outboxWhenFull).toBe('block');
    expect(configError(() => resolveConfig({}, { OUTBOX_WHEN_FULL: 'spill' })).message).toMatch(
      /OUTBOX_WHEN_FULL \(pipeline\.outboxWhenFull\) = "spill"/,
    );
  });

  it('refuses a config nested deeper than the JSON depth bound before walking it', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    expect(configError(() => resolveConfig({ http: deep }, {})).message).toMatch(/nests deeper than 32 levels/);
  });
});

describe('loadConfig on hostile files (issue 11)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cfg-hostile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const load = async (text: string) => {
    const file = join(dir, 'c.yaml');
    await writeFile(file, text);
    return loadConfig({ file, env: {} });
  };

  it('reports a YAML syntax error without quoting the line (it may hold a password)', async () => {
    const error = await load('mqtt:\n  password: "hunter2\n  username: bob\n').catch((e: unknown) => e as ConfigError);
    expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/invalid YAML/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it("refuses absurd nesting before the YAML parser sees it ('- ' x 5000 ran the parser out of memory)", async () => {
    await expect(load(`${'- '.repeat(5000)}x\n`)).rejects.toThrow(
      /line 1 is indented or nested deeper than 200 columns/,
    );
    await expect(load(`a: ${'['.repeat(40)}\n`)).rejects.toThrow(/brackets nest deeper than 32 levels/);
  });

  it('reads a strict, valid file with the new options', async () => {
    const config = await load(
      'pipeline:\n  outboxWhenFull: drop_newest\nhttp:\n  sseMaxClients: 4\n  allowedHosts: [ingestor.lan]\n',
    );
    expect(config.pipeline.outboxWhenFull).toBe('drop-newest');
    expect(config.http).toMatchObject({ sseMaxClients: 4, allowedHosts: ['ingestor.lan'] });
  });
});

describe('envWarnings', () => {
  it('warns about a misspelt name of ours and stays quiet about shared names', () => {
    expect(envWarnings({ INFLUXDB_BUKET: 'x', INFLUXDB_DB: 'ha', HA_TOKEN: 't', PATH: '/bin', HOME: '/root' })).toEqual(
      ['environment variable INFLUXDB_BUKET is not read; did you mean INFLUXDB_BUCKET?'],
    );
  });
});

describe('redactSecrets on config error text', () => {
  it('masks the password of every URL in free text, up to the last @ of the token', () => {
    expect(redactSecrets('connect mqtt://u:p@ss@host:1883 and http://a:b@c/d')).toBe(
      'connect mqtt://u:***@host:1883 and http://a:***@c/d',
    );
    expect(redactSecrets('no creds http://host:8086/x and mqtt://user@host')).toBe(
      'no creds http://host:8086/x and mqtt://user@host',
    );
  });
});
