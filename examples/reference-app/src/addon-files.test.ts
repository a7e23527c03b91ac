import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  AppConfigSchema as SupervisorAppConfig,
  AppTranslationsSchema,
  ARCH_SUPPORTED,
  checkOptionValue,
  isAppManifestPath,
  missingRequiredOptions,
  RE_SCHEMA_ELEMENT,
  RepositoryConfigSchema,
} from '../test/supervisor-app-schema.js';
import { AppConfigSchema, ENV_MAP, resolveConfig } from './config.js';

// The HA add-on folder checked against a transcription of the Supervisor's own validators (no Supervisor
// and no Docker engine here; see test/supervisor-app-schema.ts for the source files and commit).
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '..', '..');
const addonDir = join(appDir, 'deploy', 'ha-addon');
const addonRelDir = 'examples/reference-app/deploy/ha-addon';
const read = (file: string) => readFileSync(join(addonDir, file), 'utf8');
const envNames = new Set(ENV_MAP.map(([name]) => name));

/**
 * ENV_MAP names the add-on does not offer as options, each with the reason. Every other ENV_MAP name
 * must be an option: a `schema:` line in config.yaml (run.sh exports exactly those) and an entry in
 * translations/en.yaml. So a new environment name fails this test until it is added there or here.
 */
const NOT_ADD_ON_OPTIONS: Readonly<Record<string, string>> = {
  WEBSOCKET_URL: 'v0.3.0 alias of HA_URL',
  WEBSOCKET_EVENTS: 'v0.3.0 alias of HA_EVENTS',
  DATA_DIR: 'run.sh sets it: /data/ingestor, the add-on’s persistent storage',
  HTTP_HOST: 'run.sh sets it: 0.0.0.0, so the ingress proxy reaches the API',
  HTTP_PORT: 'run.sh sets it: 8000, config.yaml’s ingress_port',
  HTTP_INGRESS_PROXY: 'run.sh sets it: the Supervisor’s ingress proxy 172.30.32.2',
  HTTP_ALLOW_UNAUTHENTICATED: 'the add-on’s API always has a token (run.sh generates one)',
  HTTP_ALLOWED_HOSTS: 'only applies without API_TOKEN, which the add-on always has',
  OPENWEATHERMAP_BASE_URL: 'for tests and proxies (local provider servers); the add-on talks to the real API',
  CARBON_INTENSITY_BASE_URL: 'for tests and proxies (local provider servers); the add-on talks to the real API',
  OCTOPUS_BASE_URL: 'for tests and proxies (local provider servers); the add-on talks to the real API',
  PARQUET_DIR:
    'the add-on maps no /share or /media yet: an archive in its private /data would be unreachable for DuckDB & co.',
  PARQUET_COMPRESSION: 'only with PARQUET_DIR (see there)',
  NATS_CONSUMER: 'writer role only; the add-on runs one home (role all or edge), never a writer',
  NATS_TLS_CA:
    'the add-on maps no /ssl yet, so it has no file to name; a NATS server with a certificate of a public CA works without it',
  NATS_TLS_CERT: 'as NATS_TLS_CA: no /ssl mapped in the add-on yet',
  NATS_TLS_KEY: 'as NATS_TLS_CA: no /ssl mapped in the add-on yet',
};
/** What a choice needs besides the add-on defaults to be a valid config (an empty value = unset). */
const CHOICE_NEEDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'INGESTOR_ROLE=edge': { HOME_ID: 'home-1', NATS_URL: 'nats://nats:4222', INFLUXDB_URL: '' },
};
/** Options whose values are secrets: the Supervisor's `password` type masks them in the UI. */
const SECRET_OPTIONS = [
  'HA_TOKEN',
  'MQTT_PASSWORD',
  'INFLUXDB_TOKEN',
  'INFLUXDB_PASSWORD',
  'WEBHOOK_SECRET',
  'API_TOKEN',
  'OPENWEATHERMAP_API_KEY',
];

const AddonConfig = z.object({
  version: z.string(),
  arch: z.array(z.string()),
  options: z.record(z.string(), z.unknown()),
  schema: z.record(z.string(), z.string()),
  ports: z.record(z.string(), z.number().nullable()),
  ingress_port: z.number(),
  watchdog: z.string(),
});
const rawConfig = () => parseYaml(read('config.yaml')) as unknown;
const addon = () => AddonConfig.parse(rawConfig());

describe('HA add-on manifest (config.yaml) against the Supervisor schema', () => {
  it('is a valid app config with a string version equal to the app’s, and only supported architectures', () => {
    const parsed = SupervisorAppConfig.safeParse(rawConfig());
    expect(parsed.error?.issues ?? []).toEqual([]);
    const { version, arch } = addon();
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { version: string };
    // The image installs ha-ingestor@<this version> (install-app.sh), so it must be a published app version.
    expect(version).toBe(pkg.version);
    for (const a of arch) expect(ARCH_SUPPORTED, a).toContain(a);
  });

  it('refuses what the Supervisor refuses (the transcription is not a rubber stamp)', () => {
    const base = rawConfig() as Record<string, unknown>;
    const mutations: Record<string, unknown>[] = [
      { slug: 'ha ingestor' },
      { arch: ['x86'] },
      { version: 0.1 },
      { watchdog: 'http://localhost:8000/health' },
      { ingress_port: 70_000 },
      { ports: { '8000': 'x' } },
      { schema: { LOG_LEVEL: 'string?' } },
      { ingres: true },
      { name: undefined },
      { timeout: 5 },
    ];
    for (const change of mutations) {
      expect(SupervisorAppConfig.safeParse({ ...base, ...change }).success, JSON.stringify(change)).toBe(false);
    }
  });

  it('serves ingress on the port run.sh gives the ingestor, with the watchdog on the open /health', () => {
    const config = addon();
    const runPort = /\bHTTP_PORT=(\d+)\b/.exec(read('run.sh'))?.[1];
    expect(config.ingress_port).toBe(Number(runPort));
    expect(config.watchdog).toBe(`http://[HOST]:[PORT:${config.ingress_port}]/health`);
    // The direct port exists but is not mapped to the host unless the user enables it (issue 11).
    expect(config.ports).toEqual({ [`${config.ingress_port}/tcp`]: null });
  });

  it('option types parse with the Supervisor grammar and every default satisfies its type', () => {
    const { schema, options } = addon();
    for (const [name, type] of Object.entries(schema))
      expect(RE_SCHEMA_ELEMENT.test(type), `${name}: ${type}`).toBe(true);
    for (const [name, value] of Object.entries(options)) {
      const type = schema[name];
      expect(type, `option ${name} has no schema type`).toBeDefined();
      expect(checkOptionValue(type ?? '', value), `${name}=${JSON.stringify(value)} as ${type}`).toBeUndefined();
    }
    expect(missingRequiredOptions(schema, options)).toEqual([]);
    // The checker itself refuses bad values, so the loop above can fail.
    expect(checkOptionValue('int(1,100000)?', 0)).toBeDefined();
    expect(checkOptionValue('list(1|2)?', '3')).toBeDefined();
    expect(checkOptionValue('match(^wss?://.+)', 'http://x')).toBeDefined();
    expect(checkOptionValue('url?', 'not a url')).toBeDefined();
    expect(checkOptionValue('str?', 5)).toBeDefined();
  });

  it('offers every ingestor setting except the listed ones, and nothing else', () => {
    const schemaNames = new Set(Object.keys(addon().schema));
    const excluded = new Set(Object.keys(NOT_ADD_ON_OPTIONS));
    expect(
      [...envNames].filter((n) => !schemaNames.has(n) && !excluded.has(n)),
      'neither option nor excluded',
    ).toEqual([]);
    expect(
      [...schemaNames].filter((n) => !envNames.has(n)),
      'not an ingestor setting',
    ).toEqual([]);
    expect(
      [...excluded].filter((n) => schemaNames.has(n)),
      'excluded but offered',
    ).toEqual([]);
    expect(
      [...excluded].filter((n) => !envNames.has(n)),
      'stale exclusion',
    ).toEqual([]);
    for (const name of SECRET_OPTIONS) expect(addon().schema[name], name).toMatch(/^password/);
  });

  it('defaults resolve to a valid ingestor config, and every choice and range is the ingestor’s', () => {
    const { schema, options } = addon();
    const env = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)]));
    const base = { ...env, HA_TOKEN: 'supervisor-token', API_TOKEN: 'a-long-random-api-token-0123456789' };
    expect(() => resolveConfig({}, base)).not.toThrow();
    const json = z.toJSONSchema(AppConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonNode;
    for (const [name, type] of Object.entries(schema)) {
      const choices = /^list\((.+)\)\??$/.exec(type)?.[1]?.split('|') ?? [];
      for (const choice of choices)
        expect(
          () => resolveConfig({}, { ...base, ...CHOICE_NEEDS[`${name}=${choice}`], [name]: choice }),
          name,
        ).not.toThrow();
      const range = /^(?:int|float)\(([\d.]*),([\d.]*)\)\??$/.exec(type);
      if (range === null) continue;
      const node = nodeAt(json, ENV_MAP.find(([env]) => env === name)?.[1] ?? '');
      expect([Number(range[1]), Number(range[2])], name).toEqual([node?.minimum, node?.maximum]);
    }
  });

  it('translations/en.yaml names and describes every option and the port', () => {
    const parsed = AppTranslationsSchema.safeParse(parseYaml(read('translations/en.yaml')));
    expect(parsed.error?.issues ?? []).toEqual([]);
    const { schema, ports } = addon();
    const configuration = parsed.data?.configuration ?? {};
    expect(Object.keys(configuration).sort()).toEqual(Object.keys(schema).sort());
    for (const [name, entry] of Object.entries(configuration)) expect(entry.description ?? '', name).not.toBe('');
    expect(Object.keys(parsed.data?.network ?? {}).sort()).toEqual(Object.keys(ports).sort());
  });
});

describe('HA add-on image (Dockerfile, built with the add-on folder as the context)', () => {
  const dockerfile = () => read('Dockerfile');

  it('builds FROM $BUILD_FROM, by default a pinned multi-arch HA base image for the add-on’s architectures', () => {
    const text = dockerfile();
    const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms).toEqual(['${BUILD_FROM}']);
    // Supervisor ≥ 2026.04 builds the Dockerfile's own default (build.yaml is deprecated, see below).
    expect(text).toMatch(/^ARG BUILD_FROM=ghcr\.io\/home-assistant\/base:\d+\.\d+$/m);
    expect(text.indexOf('ARG BUILD_FROM=')).toBeLessThan(text.indexOf('FROM ${BUILD_FROM}'));
    const label = /io\.hass\.arch="([^"]+)"/.exec(text)?.[1]?.split('|').sort();
    expect(label).toEqual([...addon().arch].sort());
  });

  it('ships no build.yaml: the Supervisor deprecated it (apps/build.py warns) in favour of the Dockerfile', () => {
    for (const ext of ['yaml', 'yml', 'json']) expect(existsSync(join(addonDir, `build.${ext}`)), ext).toBe(false);
  });

  it('copies only files inside the add-on folder, and each exists or is the ignored local tarball', () => {
    const ignored = read('.gitignore').split('\n').filter(Boolean);
    const copies = [...dockerfile().matchAll(/^(?:COPY|ADD)\s+(.+)$/gm)].map((m) => m[1] ?? '');
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      expect(line, 'no --from / remote sources').not.toMatch(/--from|https?:\/\//);
      const sources = line
        .split(/\s+/)
        .filter((s) => !s.startsWith('--'))
        .slice(0, -1);
      for (const src of sources) {
        expect(normalize(src).startsWith('..') || src.startsWith('/'), `${src} leaves the context`).toBe(false);
        if (src.includes('*')) expect(ignored, `${src}: glob for the local tarball only`).toContain(src);
        else expect(existsSync(join(addonDir, src)), src).toBe(true);
      }
    }
  });

  it('installs the app where run.sh starts it, as the user run.sh switches to', () => {
    const text = dockerfile();
    const target = /^COPY .* (\/\S+)\/$/m.exec(text)?.[1];
    expect(text).toContain(`ENTRYPOINT ["${target}/run.sh"]`);
    expect(text).toContain(`sh ${target}/install-app.sh`);
    const run = read('run.sh');
    const install = read('install-app.sh');
    const prefix = /PREFIX="\$\{HA_INGESTOR_PREFIX:-([^}]+)\}"/.exec(install)?.[1];
    expect(run).toContain(`ENTRY="\${HA_INGESTOR_ENTRY:-${prefix}/node_modules/.bin/ha-ingestor}"`);
    expect(run).toContain(`ADDON_CONFIG="\${HA_INGESTOR_ADDON_CONFIG:-${target}/config.yaml}"`);
    const user = /RUN_AS="\$\{HA_INGESTOR_RUN_AS:-(\w+)\}"/.exec(run)?.[1];
    expect(text).toMatch(new RegExp(`adduser .*\\b${user}$`, 'm'));
    // The image does not use the base image's s6 init, so Docker's init must forward signals.
    expect((rawConfig() as { init?: boolean }).init).toBe(true);
  });
});

describe('deploy/pack-addon.mjs (local add-on builds before the package is on npm)', () => {
  it('puts one npm pack tarball of ha-ingestor into the folder, replacing an older one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'addon-pack-'));
    try {
      writeFileSync(join(dir, 'ha-ingestor-0.0.1.tgz'), 'old');
      const printed = execFileSync(process.execPath, [join(appDir, 'deploy', 'pack-addon.mjs'), dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
      const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
      expect(tarballs).toEqual([basename(printed)]);
      expect(tarballs[0]).toMatch(/^ha-ingestor-.+\.tgz$/);
      // install-app.sh's glob and the add-on's .gitignore both cover the name.
      expect(read('.gitignore').trim()).toBe('ha-ingestor*.tgz');
      const manifest = execFileSync('tar', ['-xzOf', printed, 'package/package.json'], { encoding: 'utf8' });
      expect((JSON.parse(manifest) as { name: string }).name).toBe('ha-ingestor');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('HA add-on repository', () => {
  it('has a valid repository.yaml at the root and the add-on is the only manifest the Supervisor finds', () => {
    const parsed = RepositoryConfigSchema.safeParse(parseYaml(readFileSync(join(repoRoot, 'repository.yaml'), 'utf8')));
    expect(parsed.error?.issues ?? []).toEqual([]);
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).split('\0');
    expect(files.filter(isAppManifestPath)).toEqual([`${addonRelDir}/config.yaml`]);
    expect(isAppManifestPath('.changeset/config.json')).toBe(false);
    expect(isAppManifestPath('a/rootfs/config.yaml')).toBe(false);
  });

  it('has the store texts: README.md, DOCS.md, and a CHANGELOG.md entry for this version', () => {
    expect(read('README.md')).toMatch(/^# HA Ingestor/);
    expect(read('DOCS.md')).toMatch(/not yet published on npm/);
    expect(read('CHANGELOG.md')).toContain(`## ${addon().version}\n`);
  });
});

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
