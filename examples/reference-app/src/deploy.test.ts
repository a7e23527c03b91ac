import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_MAP, resolveConfig } from './config.js';

// Docker can't run here, so these tests check that the deployment files parse and point at real paths,
// real options and real metric names.
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '..', '..');
const deploy = (file: string) => readFileSync(join(appDir, 'deploy', file), 'utf8');
const envNames = new Set(ENV_MAP.map(([name]) => name));

describe('deployment files', () => {
  it('Dockerfile copies paths that exist and runs the real bin as a non-root user with a healthcheck', () => {
    const text = deploy('Dockerfile');
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of (m[1] as string).split(/\s+/)) expect(existsSync(join(repoRoot, src)), src).toBe(true);
    }
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^HEALTHCHECK [\s\S]*?\/health/m);
    const entry = /ENTRYPOINT \["node", "([^"]+)"\]/.exec(text);
    expect(entry?.[1]).toBe('bin/ha-ingestor.js');
    expect(existsSync(join(appDir, 'bin', 'ha-ingestor.js'))).toBe(true);
  });

  it('docker-compose wires the ingestor to InfluxDB and Mosquitto with valid config', () => {
    const compose = parseYaml(deploy('docker-compose.yml')) as {
      services: Record<string, { environment?: Record<string, string>; build?: { context: string; dockerfile: string } }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['influxdb', 'ingestor', 'mosquitto']);
    const ingestor = compose.services['ingestor'];
    const env = ingestor?.environment ?? {};
    for (const name of Object.keys(env)) expect(envNames.has(name), name).toBe(true);
    const concrete = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[A-Z_]+:[-?]([^}]*)\}/g, '$1')]));
    concrete['HA_TOKEN'] = 'token';
    expect(() => resolveConfig({}, concrete)).not.toThrow();
    const build = ingestor?.build;
    expect(existsSync(join(appDir, 'deploy', build?.context ?? '', build?.dockerfile ?? ''))).toBe(true);
  });

  it('HA add-on options map to real environment names and validate', () => {
    const addon = parseYaml(deploy('ha-addon/config.yaml')) as { options: Record<string, unknown>; schema: Record<string, string> };
    for (const name of [...Object.keys(addon.options), ...Object.keys(addon.schema)]) expect(envNames.has(name), name).toBe(true);
    const env = Object.fromEntries(Object.entries(addon.options).map(([k, v]) => [k, String(v)]));
    expect(() => resolveConfig({}, { ...env, HA_TOKEN: 'supervisor-token' })).not.toThrow();
    expect(addon.schema['HA_TOKEN']).toMatch(/^password/);
    expect(deploy('ha-addon/run.sh')).toContain('/app/bin/ha-ingestor.js');
  });

  it('Grafana dashboard parses and queries real metric names and ha-schema measurements', () => {
    const dash = JSON.parse(deploy('grafana-dashboard.json')) as {
      panels: { title: string; datasource: { type: string }; targets: { expr?: string; query?: string }[] }[];
    };
    expect(dash.panels.length).toBeGreaterThanOrEqual(6);
    const metricNames = ['events_received_total', 'end_to_end_lag_seconds', 'events_dropped_total', 'outbox_bytes'];
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr ?? '')).join('\n');
    for (const m of metricNames) expect(exprs).toContain(`ha_ingestor_${m}`);
    for (const p of dash.panels.filter((p) => p.datasource.type === 'influxdb')) {
      for (const t of p.targets) expect(t.query, p.title).toMatch(/^SELECT .+ FROM .+ WHERE \$timeFilter/);
    }
  });
});
