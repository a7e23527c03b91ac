import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createSchemaMapper, type MappableEvent } from '@ha-ingestor/sink-influx';
import { ENV_MAP, resolveConfig } from './config.js';
import { assertSafeExposure } from './http-auth.js';

// Docker can't run here, so these tests check that the deployment files parse and point at real paths,
// real options and real metric names.
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '..', '..');
const deploy = (file: string) => readFileSync(join(appDir, 'deploy', file), 'utf8');
const envNames = new Set(ENV_MAP.map(([name]) => name));

describe('deployment files', () => {
  it('Dockerfile copies paths that exist, deploys with scripts/deploy-app.mjs and runs the installed bin as a non-root user with a healthcheck', () => {
    const text = deploy('Dockerfile');
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of (m[1] as string).split(/\s+/)) expect(existsSync(join(repoRoot, src)), src).toBe(true);
    }
    // The build stage's deploy step is the script test/integration/deploy.test.ts runs into a temp dir.
    expect(text).toMatch(/^RUN pnpm install --frozen-lockfile \\\n && node scripts\/deploy-app\.mjs \/app$/m);
    expect(existsSync(join(repoRoot, 'scripts', 'deploy-app.mjs'))).toBe(true);
    expect(text).not.toContain('pnpm --filter'); // `pnpm deploy` of the workspace: ERR_PNPM_CANNOT_DEPLOY_MANY
    expect(text).toMatch(/^COPY --from=build --chown=node:node \/app \/app$/m);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^HEALTHCHECK [\s\S]*?\/health/m);
    expect(text).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(text).toMatch(/^ENV .*\bDATA_DIR=\/data\b/m);
    // npm installs the app's `bin` as node_modules/.bin/<name>.
    const bins = Object.keys(appManifest().bin);
    expect(/^ENTRYPOINT \["([^"]+)"\]$/m.exec(text)?.[1]).toBe(`/app/node_modules/.bin/${bins[0] ?? ''}`);
    expect(bins).toEqual(['ha-ingestor']);
  });

  it('.dockerignore keeps dependencies, build output, data and git out of the context but not what the build copies', () => {
    const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const ignored = (path: string) => patterns.some((pattern) => dockerignoreMatches(pattern, path));
    for (const path of [
      'node_modules/zod/package.json',
      'packages/core/node_modules/x',
      'examples/reference-app/dist/cli.js',
      'packages/core/dist/index.js',
      '.git/HEAD',
      'data/demo/events/a.ndjson',
      'coverage/index.html',
    ])
      expect(ignored(path), path).toBe(true);
    for (const path of [
      'package.json',
      'pnpm-lock.yaml',
      'scripts/deploy-app.mjs',
      'scripts/ensure-app-built.mjs',
      'scripts/check-app-bundle.mjs',
      'packages/core/src/index.ts',
      'examples/reference-app/src/cli.ts',
      'examples/reference-app/bin/ha-ingestor.js',
      'examples/reference-app/tsup.config.ts',
      'tsup.library.ts',
    ])
      expect(ignored(path), path).toBe(false);
  });

  it('docker-compose runs InfluxDB, Mosquitto, the ingestor, Prometheus and Grafana with valid config', () => {
    const compose = composeFile();
    expect(Object.keys(compose.services).sort()).toEqual([
      'grafana',
      'influxdb',
      'ingestor',
      'mosquitto',
      'prometheus',
    ]);
    const ingestor = compose.services['ingestor'];
    const env = ingestor?.environment ?? {};
    for (const name of Object.keys(env)) expect(envNames.has(name), name).toBe(true);
    const config = resolveConfig({}, composeEnv(env));
    expect(() => assertSafeExposure(config.http)).not.toThrow();
    // The ingestor's database is the one InfluxDB creates.
    expect(config.influx.url).toBe('http://influxdb:8086');
    expect(config.influx.database).toBe(compose.services['influxdb']?.environment?.['INFLUXDB_DB']);
    // Issue 11: the API on 0.0.0.0 must demand a token, and the open databases stay on loopback.
    expect(env['API_TOKEN']).toMatch(/^\$\{API_TOKEN:\?/);
    expect(compose.services['influxdb']?.ports).toEqual(['127.0.0.1:8086:8086']);
    expect(compose.services['mosquitto']?.ports).toEqual(['127.0.0.1:1883:1883']);
    expect(compose.services['prometheus']?.ports).toBeUndefined();
    expect(compose.services['grafana']?.environment?.['GF_SECURITY_ADMIN_PASSWORD']).toMatch(
      /^\$\{GRAFANA_ADMIN_PASSWORD:\?/,
    );
    const build = ingestor?.build;
    expect(existsSync(join(appDir, 'deploy', build?.context ?? '', build?.dockerfile ?? ''))).toBe(true);
  });

  it('docker-compose mounts files that exist, read-only, and Prometheus scrapes with the API token', () => {
    const compose = composeFile();
    const binds = Object.values(compose.services).flatMap((s) => (s.volumes ?? []).filter((v) => v.startsWith('.')));
    expect(binds.length).toBeGreaterThanOrEqual(3);
    for (const bind of binds) {
      const [src, , mode] = bind.split(':');
      expect(existsSync(join(appDir, 'deploy', src ?? '')), bind).toBe(true);
      expect(mode, bind).toBe('ro');
    }
    const prometheus = parseYaml(deploy('prometheus/prometheus.yml')) as {
      scrape_configs: {
        metrics_path: string;
        authorization: { type: string; credentials_file: string };
        static_configs: { targets: string[] }[];
      }[];
    };
    const [scrape] = prometheus.scrape_configs;
    expect(scrape?.static_configs[0]?.targets).toEqual([
      `ingestor:${compose.services['ingestor']?.environment?.['HTTP_PORT']}`,
    ]);
    expect(scrape?.metrics_path).toBe('/metrics');
    expect(scrape?.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/api_token' });
    expect(compose.services['prometheus']?.secrets).toEqual(['api_token']);
    expect(compose.secrets?.['api_token']).toEqual({ environment: 'API_TOKEN' });
  });

  it('Grafana is provisioned with the InfluxDB and Prometheus of the compose file and loads the dashboard', () => {
    const compose = composeFile();
    const grafana = compose.services['grafana'];
    const mountOf = (file: string) =>
      grafana?.volumes?.find((v) => v.startsWith(`./${file}:`))?.split(':')[1] ?? `(${file} not mounted)`;
    const provisioning = mountOf('grafana/provisioning');
    expect(provisioning).toBe('/etc/grafana/provisioning');
    const sources = grafanaDatasources();
    const influx = sources.find((d) => d.type === 'influxdb');
    const env = resolveConfig({}, composeEnv(compose.services['ingestor']?.environment ?? {}));
    expect(influx?.url).toBe(env.influx.url);
    expect(influx?.jsonData?.dbName).toBe(env.influx.database);
    expect(sources.find((d) => d.type === 'prometheus')?.url).toBe('http://prometheus:9090');
    const providers = (
      parseYaml(deploy('grafana/provisioning/dashboards/ha-ingestor.yaml')) as {
        providers: { type: string; options: { path: string } }[];
      }
    ).providers;
    expect(providers.map((p) => p.type)).toEqual(['file']);
    expect(dirname(mountOf('grafana-dashboard.json'))).toBe(providers[0]?.options.path);
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

  it('dashboard panels use the provisioned datasources and query what the ingestor writes', () => {
    const dash = JSON.parse(deploy('grafana-dashboard.json')) as Dashboard;
    const sources = grafanaDatasources();
    const variables = new Map(dash.templating.list.map((v) => [v.name, v]));
    for (const panel of dash.panels) {
      const variable = variables.get(/^\$\{(\w+)\}$/.exec(panel.datasource.uid)?.[1] ?? '');
      expect(variable?.query, panel.title).toBe(panel.datasource.type);
      // The variable preselects the provisioned datasource (any datasource of the type when imported by hand).
      const provisioned = sources.find((d) => d.uid === variable?.current?.value);
      expect(provisioned?.type, panel.title).toBe(panel.datasource.type);
    }
    // InfluxQL: the measurement, field and GROUP BY tags are those the compose file's schema writes.
    const schema = resolveConfig({}, composeEnv(composeFile().services['ingestor']?.environment ?? {})).influx.schema;
    const map = createSchemaMapper({ kind: schema });
    const influxTargets = dash.panels.filter((p) => p.datasource.type === 'influxdb').flatMap((p) => p.targets);
    expect(influxTargets.length).toBeGreaterThanOrEqual(5);
    for (const { query = '' } of influxTargets) {
      const q =
        /^SELECT \w+\("(\w+)"\) FROM (?:"([^"]+)"|\/(.+)\/) WHERE \$timeFilter GROUP BY time\(\$__interval\), "(\w+)"/.exec(
          query,
        );
      expect(q, query).not.toBeNull();
      const [, field = '', measurement, pattern, tag = ''] = q ?? [];
      const [point] = map(sensorEvent(measurement ?? '°C'));
      if (measurement !== undefined) expect(point?.measurement, query).toBe(measurement);
      else expect(new RegExp(pattern ?? '$^').test(point?.measurement ?? ''), query).toBe(true);
      expect(Object.keys(point?.fields ?? {}), query).toContain(field);
      expect(Object.keys(point?.tags ?? {}), query).toContain(tag);
    }
  });
});

describe('statistics dashboard (deploy/grafana-statistics-dashboard.json)', () => {
  it('is mounted next to the main dashboard and queries the series the statistics schema writes', () => {
    const grafana = composeFile().services['grafana'];
    const mount = grafana?.volumes?.find((v) => v.startsWith('./grafana-statistics-dashboard.json:'))?.split(':')[1];
    const main = grafana?.volumes?.find((v) => v.startsWith('./grafana-dashboard.json:'))?.split(':')[1];
    expect(mount && dirname(mount)).toBe(main && dirname(main));
    const dash = JSON.parse(deploy('grafana-statistics-dashboard.json')) as Dashboard;
    const map = createSchemaMapper({ kind: 'ha' });
    const statistic = (unit: string, data: Record<string, unknown>): MappableEvent => ({
      event_type: 'ha_statistic',
      time_fired: 0,
      context: null,
      data: {
        statistic_id: 'sensor.x',
        entity_id: 'sensor.x',
        domain: 'sensor',
        period: 'hour',
        unit,
        start: 0,
        ...data,
      },
    });
    const queries = dash.panels.flatMap((p) => p.targets.map((t) => t.query ?? ''));
    expect(queries).toHaveLength(2);
    for (const [query, event] of [
      [queries[0] ?? '', statistic('kWh', { sum: 1, state: 1 })],
      [queries[1] ?? '', statistic('°C', { mean: 1, min: 0, max: 2 })],
    ] as const) {
      const [point] = map(event);
      expect(query).toContain(`FROM "${point?.measurement}"`);
      expect(query).toContain(`"period" = '${point?.tags['period']}'`);
      expect(Object.keys(point?.tags ?? {})).toContain('statistic_id');
      for (const field of query.match(/\w+\("(\w+)"\)/g)?.map((m) => /"(\w+)"/.exec(m)?.[1]) ?? [])
        expect(Object.keys(point?.fields ?? {}), query).toContain(field);
    }
  });
});

type Service = {
  environment?: Record<string, string>;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
};
function composeFile() {
  return parseYaml(deploy('docker-compose.yml')) as {
    services: Record<string, Service>;
    secrets?: Record<string, unknown>;
  };
}

function appManifest(): { bin: Record<string, string> } {
  return JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
}

/** Docker's .dockerignore matching (Go filepath.Match plus `**`): a pattern also excludes everything below a match. */
function dockerignoreMatches(pattern: string, path: string): boolean {
  const source = pattern
    .replace(/^\//, '')
    .split('/')
    .map((part) =>
      part === '**'
        ? '.*'
        : part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
    )
    .join('/')
    .replace(/\.\*\//g, '(?:.*/)?');
  return new RegExp(`^${source}(?:/.*)?$`).test(path);
}

/** The compose environment with `${VAR:-default}` resolved to its default and the required secrets set. */
function composeEnv(env: Record<string, string>): Record<string, string> {
  const concrete = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[A-Z_]+:[-?]([^}]*)\}/g, '$1')]),
  );
  return { ...concrete, HA_TOKEN: 'token', API_TOKEN: 'a-long-random-api-token-0123456789' };
}

interface GrafanaDatasource {
  uid: string;
  type: string;
  url: string;
  jsonData?: { dbName?: string };
}
function grafanaDatasources(): GrafanaDatasource[] {
  return (
    parseYaml(deploy('grafana/provisioning/datasources/ha-ingestor.yaml')) as { datasources: GrafanaDatasource[] }
  ).datasources;
}

interface Dashboard {
  templating: { list: { name: string; query: string; current?: { value: string } }[] };
  panels: { title: string; datasource: { type: string; uid: string }; targets: { expr?: string; query?: string }[] }[];
}

/** A numeric sensor state change as the WebSocket source emits it. */
function sensorEvent(unit: string): MappableEvent {
  const t = 1_700_000_000_000_000;
  return {
    event_type: 'state_changed',
    time_fired: t,
    entity_id: 'sensor.kitchen',
    domain: 'sensor',
    object_id: 'kitchen',
    state: '21.5',
    attributes: { unit_of_measurement: unit },
    last_changed: t,
    last_updated: t,
  };
}
