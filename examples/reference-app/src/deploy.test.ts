import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppConfigSchema, ENV_MAP, resolveConfig } from './config.js';
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
    ])
      expect(ignored(path), path).toBe(false);
  });

  it('docker-compose wires the ingestor to InfluxDB and Mosquitto with valid config', () => {
    const compose = parseYaml(deploy('docker-compose.yml')) as {
      services: Record<
        string,
        { environment?: Record<string, string>; build?: { context: string; dockerfile: string } }
      >;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['influxdb', 'ingestor', 'mosquitto']);
    const ingestor = compose.services['ingestor'];
    const env = ingestor?.environment ?? {};
    for (const name of Object.keys(env)) expect(envNames.has(name), name).toBe(true);
    const concrete = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[A-Z_]+:[-?]([^}]*)\}/g, '$1')]),
    );
    concrete['HA_TOKEN'] = 'token';
    concrete['API_TOKEN'] = 'a-long-random-api-token-0123456789';
    expect(() => assertSafeExposure(resolveConfig({}, concrete).http)).not.toThrow();
    // Issue 11: the API on 0.0.0.0 must demand a token, and the open databases stay on loopback.
    expect(env['API_TOKEN']).toMatch(/^\$\{API_TOKEN:\?/);
    const published = compose.services as Record<string, { ports?: string[] }>;
    expect(published['influxdb']?.ports).toEqual(['127.0.0.1:8086:8086']);
    expect(published['mosquitto']?.ports).toEqual(['127.0.0.1:1883:1883']);
    const build = ingestor?.build;
    expect(existsSync(join(appDir, 'deploy', build?.context ?? '', build?.dockerfile ?? ''))).toBe(true);
  });

  it('HA add-on options map to real environment names and validate', () => {
    const addon = parseYaml(deploy('ha-addon/config.yaml')) as {
      options: Record<string, unknown>;
      schema: Record<string, string>;
    };
    for (const name of [...Object.keys(addon.options), ...Object.keys(addon.schema)])
      expect(envNames.has(name), name).toBe(true);
    const env = Object.fromEntries(Object.entries(addon.options).map(([k, v]) => [k, String(v)]));
    expect(() => resolveConfig({}, { ...env, HA_TOKEN: 'supervisor-token' })).not.toThrow();
    expect(addon.schema['HA_TOKEN']).toMatch(/^password/);
    expect(addon.schema['API_TOKEN']).toMatch(/^password/);
    // The image's /app is an npm install of the app's tarball (scripts/deploy-app.mjs).
    const bin = appManifest().bin['ha-ingestor']?.replace(/^\.\//, '');
    expect(deploy('ha-addon/run.sh')).toContain(`/app/node_modules/ha-ingestor/${bin ?? '?'}`);
  });

  it('HA add-on uses ingress with the direct port off by default (issue 11)', () => {
    const addon = parseYaml(deploy('ha-addon/config.yaml')) as Record<string, unknown>;
    expect(addon['ingress']).toBe(true);
    expect(addon['ingress_port']).toBe(8000);
    expect(addon['ports']).toEqual({ '8000/tcp': null });
    const run = deploy('ha-addon/run.sh');
    expect(run).toContain('HTTP_INGRESS_PROXY=172.30.32.2');
    expect(run).toContain('HTTP_PORT=8000');
    const code = run
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    expect(code).not.toMatch(/\beval\b/);
  });

  it("HA add-on numeric option ranges are the config's ranges, and run.sh allows exactly the options", () => {
    const addon = parseYaml(deploy('ha-addon/config.yaml')) as { schema: Record<string, string> };
    const json = z.toJSONSchema(AppConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonNode;
    for (const [name, type] of Object.entries(addon.schema)) {
      const range = /^(?:int|float)\(([\d.]*),([\d.]*)\)\?$/.exec(type);
      if (range === null) continue;
      const node = nodeAt(json, ENV_MAP.find(([env]) => env === name)?.[1] ?? '');
      expect([Number(range[1]), Number(range[2])], name).toEqual([node?.minimum, node?.maximum]);
    }
    const allowed =
      /^ALLOWED="([^"]*)"/m.exec(deploy('ha-addon/run.sh'))?.[1]?.replace(/\\\n/g, ' ').split(/\s+/).filter(Boolean) ??
      [];
    expect(new Set(allowed)).toEqual(new Set(Object.keys(addon.schema)));
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

interface JsonNode {
  properties?: Record<string, JsonNode>;
  minimum?: number;
  maximum?: number;
}

function nodeAt(root: JsonNode, path: string): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const key of path.split('.')) node = node?.properties?.[key];
  return node;
}
