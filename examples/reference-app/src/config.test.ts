import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSdkError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { loadConfig, maskedConfig, resolveConfig } from './config.js';

describe('resolveConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = resolveConfig({}, {});
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8000 });
    expect(config.mqtt.topics).toEqual(['homeassistant/#']);
    expect(config.influx).toMatchObject({ apiVersion: '2', precision: 'us', schema: 'ha' });
    expect(config.pipeline).toMatchObject({ batchSize: 1000, batchTimeoutS: 5, dedupWindowS: 300 });
    expect(config.dataDir).toBe('./data');
  });

  it('maps every documented environment name and lets env win over the file', () => {
    const config = resolveConfig(
      { http: { port: 9000 }, influx: { url: 'http://file:8086' } },
      {
        HA_URL: 'ws://ha:8123/api/websocket',
        HA_TOKEN: 'tok',
        HA_EVENTS: 'state_changed, call_service',
        MQTT_BROKER: 'broker',
        MQTT_PORT: '1884',
        MQTT_TOPICS: 'a/#,b/+',
        MQTT_FORMAT: 'json',
        INFLUXDB_URL: 'http://env:8086',
        INFLUXDB_API_VERSION: '1',
        INFLUXDB_DATABASE: 'ha',
        BATCH_SIZE: '500',
        BATCH_TIMEOUT: '2.5',
        DEDUP_WINDOW: '60',
        HTTP_PORT: '8123',
        LOG_FORMAT: 'pretty',
      },
    );
    expect(config.homeAssistant).toEqual({
      url: 'ws://ha:8123/api/websocket',
      token: 'tok',
      events: ['state_changed', 'call_service'],
    });
    expect(config.mqtt).toMatchObject({ url: 'mqtt://broker:1884', topics: ['a/#', 'b/+'], format: 'json' });
    expect(config.influx).toMatchObject({ url: 'http://env:8086', apiVersion: '1', database: 'ha' });
    expect(config.pipeline).toMatchObject({ batchSize: 500, batchTimeoutS: 2.5, dedupWindowS: 60 });
    expect(config.http.port).toBe(8123);
    expect(config.log.format).toBe('pretty');
  });

  it('takes WEBSOCKET_URL as an alias of HA_URL, HA_URL winning', () => {
    expect(resolveConfig({}, { WEBSOCKET_URL: 'ws://a/api/websocket' }).homeAssistant.url).toBe('ws://a/api/websocket');
    expect(
      resolveConfig({}, { WEBSOCKET_URL: 'ws://a/api/websocket', HA_URL: 'ws://b/api/websocket' }).homeAssistant.url,
    ).toBe('ws://b/api/websocket');
  });

  it('names the env variable, the bad value and what is expected', () => {
    try {
      resolveConfig({}, { BATCH_SIZE: 'lots' });
      expect.unreachable();
    } catch (error) {
      expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(
        /BATCH_SIZE \(pipeline\.batchSize\) = "lots": expected an integer from 1 to 100000/,
      );
    }
  });

  it('masks a secret value in the error', () => {
    try {
      resolveConfig({ mqtt: { password: 42 } }, {});
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('mqtt.password = ***');
      expect((error as Error).message).not.toContain('42');
    }
  });

  it('rejects an http:// Home Assistant URL with a hint', () => {
    expect(() => resolveConfig({}, { HA_URL: 'http://ha:8123' })).toThrow(/ws:\/\/ or wss:\/\//);
  });
});

describe('maskedConfig', () => {
  it('masks tokens, passwords and credentials in URLs', () => {
    const config = resolveConfig(
      {},
      {
        HA_TOKEN: 'sekret-token',
        INFLUXDB_PASSWORD: 'pw',
        MQTT_URL: 'mqtt://u:hunter2@b:1883',
        API_TOKEN: 'api-token-0123456789',
      },
    );
    const text = JSON.stringify(maskedConfig(config));
    for (const secret of ['sekret-token', 'hunter2', '"pw"', 'api-token-0123456789'])
      expect(text).not.toContain(secret);
    expect(text).toContain('***');
  });
});

describe('loadConfig', () => {
  it('reads YAML and reports a file that is not a mapping', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    try {
      await writeFile(join(dir, 'ok.yaml'), 'http:\n  port: 9100\nmqtt:\n  topics: [x/#]\n');
      const config = await loadConfig({ file: join(dir, 'ok.yaml'), env: {} });
      expect(config.http.port).toBe(9100);
      expect(config.mqtt.topics).toEqual(['x/#']);
      await writeFile(join(dir, 'bad.yaml'), '- a\n- b\n');
      await expect(loadConfig({ file: join(dir, 'bad.yaml'), env: {} })).rejects.toThrow(/YAML mapping/);
      await expect(loadConfig({ file: join(dir, 'missing.yaml'), env: {} })).rejects.toThrow(/cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('README', () => {
  it('documents every environment variable the config reads', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const { ENV_MAP } = await import('./config.js');
    for (const [name] of ENV_MAP) expect(readme, name).toContain(`\`${name}\``);
  });
});
