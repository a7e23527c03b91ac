import { describe, expect, it } from 'vitest';
import { configFromYaml, maskedConfig, resolveConfig } from './config.js';
import { natsUrlSecrets } from './config-scale-out.js';
import { configError } from '../test/config-error.js';

const EDGE = {
  INGESTOR_ROLE: 'edge',
  HOME_ID: 'home-a',
  NATS_URL: 'nats://127.0.0.1:4222',
  HA_URL: 'ws://ha:8123/api/websocket',
  HA_TOKEN: 't',
};
const WRITER = { INGESTOR_ROLE: 'writer', NATS_URL: 'nats://127.0.0.1:4222', INFLUXDB_URL: 'http://db:8086' };

describe('scale-out config (issue 16)', () => {
  it('defaults: role all, no home, NATS defaults', () => {
    const config = resolveConfig({}, {});
    expect(config.role).toBe('all');
    expect(config.homeId).toBeUndefined();
    expect(config.nats).toEqual({
      stream: 'HA_EVENTS',
      subjectPrefix: 'ha.events',
      consumer: 'writer',
      replicas: 1,
      tls: {},
    });
  });

  it('reads the env names, NATS_URL as a comma list', () => {
    const config = resolveConfig(
      {},
      {
        ...EDGE,
        NATS_URL: 'nats://n1:4222, nats://n2:4222',
        NATS_STREAM: 'S1',
        NATS_SUBJECT_PREFIX: 'x.y',
        NATS_CONSUMER: 'pool',
        NATS_REPLICAS: '3',
        NATS_TLS_CA: '/ssl/ca.pem',
      },
    );
    expect(config.role).toBe('edge');
    expect(config.homeId).toBe('home-a');
    expect(config.nats).toEqual({
      url: ['nats://n1:4222', 'nats://n2:4222'],
      stream: 'S1',
      subjectPrefix: 'x.y',
      consumer: 'pool',
      replicas: 3,
      tls: { ca: '/ssl/ca.pem' },
    });
  });

  it('has YAML equivalents (role, homeId, nats:)', () => {
    const config = configFromYaml(
      'role: writer\nnats:\n  url: [nats://n1:4222]\n  consumer: w\ninflux:\n  url: http://db:8086\n',
      {},
    );
    expect(config.role).toBe('writer');
    expect(config.nats.url).toEqual(['nats://n1:4222']);
    expect(config.nats.consumer).toBe('w');
  });

  it('validates HOME_ID: non-empty, ≤ 64 characters of [A-Za-z0-9_-]', () => {
    for (const bad of ['a b', 'x'.repeat(65), 'a.b', 'ä']) {
      const error = configError(() => resolveConfig({}, { ...EDGE, HOME_ID: bad }));
      expect(error.message).toMatch(/HOME_ID.*expected 1–64 letters, digits, _ or -/);
    }
    expect(resolveConfig({}, { ...EDGE, HOME_ID: 'x'.repeat(64) }).homeId).toHaveLength(64);
    expect(resolveConfig({}, { HOME_ID: 'a_B-1' }).homeId).toBe('a_B-1'); // role all tags its events too
  });

  it('refuses a bad role, NATS URL or replica count, naming the env variable', () => {
    expect(configError(() => resolveConfig({}, { INGESTOR_ROLE: 'reader' })).message).toMatch(
      /INGESTOR_ROLE.*expected one of all, edge, writer/,
    );
    expect(configError(() => resolveConfig({}, { ...EDGE, NATS_URL: 'http://x' })).message).toMatch(/NATS_URL/);
    expect(configError(() => resolveConfig({}, { ...EDGE, NATS_REPLICAS: '7' })).message).toMatch(
      /NATS_REPLICAS.*1 to 5/,
    );
  });

  it('edge: needs NATS_URL, HOME_ID and a source; refuses a database', () => {
    const missing = configError(() => resolveConfig({}, { INGESTOR_ROLE: 'edge' }));
    expect(missing.message).toContain('INGESTOR_ROLE=edge needs NATS_URL');
    expect(missing.message).toContain('INGESTOR_ROLE=edge needs HOME_ID');
    expect(missing.message).toContain('INGESTOR_ROLE=edge needs a source');
    const withDb = configError(() => resolveConfig({}, { ...EDGE, INFLUXDB_URL: 'http://db:8086', FILE_SINK: 'true' }));
    expect(withDb.message).toContain('INGESTOR_ROLE=edge writes only to NATS: unset INFLUXDB_URL');
    expect(withDb.message).toContain('unset FILE_SINK');
    expect(resolveConfig({}, EDGE).role).toBe('edge');
  });

  it('writer: needs NATS_URL and a sink; refuses HA_URL and MQTT_URL', () => {
    const missing = configError(() => resolveConfig({}, { INGESTOR_ROLE: 'writer' }));
    expect(missing.message).toContain('INGESTOR_ROLE=writer needs NATS_URL');
    expect(missing.message).toContain('INGESTOR_ROLE=writer needs a sink');
    const withSources = configError(() =>
      resolveConfig({}, { ...WRITER, HA_URL: 'ws://ha:8123/api/websocket', MQTT_URL: 'mqtt://b:1883' }),
    );
    expect(withSources.message).toContain('unset HA_URL');
    expect(withSources.message).toContain('unset MQTT_URL');
    expect(resolveConfig({}, WRITER).role).toBe('writer');
    expect(resolveConfig({}, { ...WRITER, INFLUXDB_URL: undefined, FILE_SINK: 'true' }).role).toBe('writer');
  });

  it('all: NATS_URL without a role is an error (the link would be unused)', () => {
    expect(configError(() => resolveConfig({}, { NATS_URL: 'nats://n:4222' })).message).toContain(
      'NATS_URL is set but INGESTOR_ROLE is all',
    );
  });

  it('masks NATS passwords and tokens in the served config', () => {
    const config = resolveConfig(
      {},
      { ...EDGE, NATS_URL: 'nats://user:s3cret-pw@n1:4222,nats://s3cret-token@n2:4222,nats://n3:4222' },
    );
    const shown = JSON.stringify(maskedConfig(config));
    expect(shown).not.toContain('s3cret');
    expect(maskedConfig(config).nats.url).toEqual(['nats://user:***@n1:4222', 'nats://***@n2:4222', 'nats://n3:4222']);
    expect(natsUrlSecrets(config.nats.url ?? [])).toContain('s3cret-token');
  });

  it('never echoes a NATS credential in a config error', () => {
    const error = configError(() => resolveConfig({}, { ...EDGE, NATS_URL: 'nats://u:s3cret-pw@n1:4222 bad' }));
    expect(JSON.stringify(error.issues) + error.message).not.toContain('s3cret');
  });
});
