import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ADDON = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'ha-addon');
const RUN_SH = join(ADDON, 'run.sh');
const INSTALL_SH = join(ADDON, 'install-app.sh');
const CONFIG_YAML = join(ADDON, 'config.yaml');
const schemaNames = Object.keys((parseYaml(readFileSync(CONFIG_YAML, 'utf8')) as { schema: object }).schema);

/** Writes an executable shell script (a stand-in for a command of the image) into `dir`. */
function fakeCommand(dir: string, name: string, body: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

/**
 * Runs the add-on entrypoint with bash against a fake options.json; the final `exec su-exec <user> node
 * <entry> run` goes through a su-exec stand-in that records the user, to a stub that records its argv and
 * environment instead of starting the ingestor.
 */
function runAddon(dir: string, options: unknown, extraEnv: Record<string, string> = {}) {
  writeFileSync(join(dir, 'options.json'), typeof options === 'string' ? options : JSON.stringify(options));
  const bin = join(dir, 'bin');
  fakeCommand(bin, 'su-exec', `printf '%s' "$1" > '${join(dir, 'su-exec-user')}'; shift; exec "$@"`);
  const result = spawnSync('bash', [RUN_SH], {
    env: {
      PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      HA_INGESTOR_OPTIONS: join(dir, 'options.json'),
      HA_INGESTOR_ADDON_DATA: dir,
      HA_INGESTOR_ADDON_CONFIG: CONFIG_YAML,
      HA_INGESTOR_ENTRY: join(dir, 'stub.cjs'),
      HA_INGESTOR_RUN_AS: userInfo().username,
      SUPERVISOR_TOKEN: 'supervisor-token',
      ...extraEnv,
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const record = join(dir, 'exec.json');
  const exec = existsSync(record)
    ? (JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; env: Record<string, string> })
    : undefined;
  rmSync(record, { force: true });
  const userFile = join(dir, 'su-exec-user');
  const user = existsSync(userFile) ? readFileSync(userFile, 'utf8') : undefined;
  rmSync(userFile, { force: true });
  return { status: result.status, stderr: result.stderr, exec, user };
}

describe('add-on run.sh (issue 11: `$(…)` in a password ran as root through eval)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'addon-run-'));
    writeFileSync(
      join(dir, 'stub.cjs'),
      `require('fs').writeFileSync(${JSON.stringify(join(dir, 'exec.json'))}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }));\n`,
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exports hostile option values literally and executes none of them', () => {
    const pwned = join(dir, 'pwned');
    const hostile = {
      MQTT_PASSWORD: `$(touch ${pwned}-dollar)`,
      INFLUXDB_PASSWORD: `\`touch ${pwned}-backtick\``,
      INFLUXDB_TOKEN: `"; touch ${pwned}-quote; echo "`,
      HA_EVENTS: `a'b"c\\d\n$HOME;$(id)`,
      MQTT_USERNAME: '-n',
      BATCH_SIZE: 500,
    };
    const { status, stderr, exec } = runAddon(dir, hostile);
    expect(status, stderr).toBe(0);
    for (const suffix of ['-dollar', '-backtick', '-quote'])
      expect(existsSync(`${pwned}${suffix}`), suffix).toBe(false);
    expect(exec?.argv).toEqual(['run']);
    for (const [name, value] of Object.entries(hostile)) expect(exec?.env[name], name).toBe(String(value));
  });

  it('sets only ingestor settings: PATH, NODE_OPTIONS and malformed names are ignored', () => {
    const { status, stderr, exec } = runAddon(dir, {
      NODE_OPTIONS: `--require ${join(dir, 'evil.js')}`,
      PATH: '/nowhere',
      'BAD NAME': 'x',
      LOG_LEVEL: 'debug',
      MQTT_TOPICS: ['a', 'b'],
    });
    expect(status, stderr).toBe(0);
    expect(exec?.env['NODE_OPTIONS']).toBeUndefined();
    expect(exec?.env['PATH']).not.toBe('/nowhere');
    expect(exec?.env['LOG_LEVEL']).toBe('debug');
    expect(exec?.env['MQTT_TOPICS']).toBeUndefined();
    expect(stderr).toMatch(/option NODE_OPTIONS ignored/);
    expect(stderr).toMatch(/option "BAD NAME" skipped/);
  });

  it('generates a private, persistent API token when none is set, and never prints it', () => {
    const first = runAddon(dir, { API_TOKEN: '' });
    expect(first.status, first.stderr).toBe(0);
    const token = readFileSync(join(dir, 'api_token'), 'utf8');
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, 'api_token')).mode & 0o077).toBe(0);
    expect(first.exec?.env['API_TOKEN']).toBe(token);
    expect(first.stderr).toMatch(/generated a random API token in the add-on's private data/);
    expect(first.stderr).not.toContain(token);
    const second = runAddon(dir, {});
    expect(second.exec?.env['API_TOKEN']).toBe(token);
    expect(second.stderr).not.toMatch(/generated/);
  });

  it("uses the user's API_TOKEN, the Supervisor token for HA, and trusts only the ingress proxy", () => {
    const { exec } = runAddon(dir, { API_TOKEN: 'users-own-token-0123456789' });
    expect(exec?.env).toMatchObject({
      API_TOKEN: 'users-own-token-0123456789',
      HA_TOKEN: 'supervisor-token',
      HTTP_HOST: '0.0.0.0',
      HTTP_INGRESS_PROXY: '172.30.32.2',
    });
    expect(existsSync(join(dir, 'api_token'))).toBe(false);
  });

  it('stops with an error, without starting the ingestor, when options.json is not JSON', () => {
    const { status, exec } = runAddon(dir, '{"API_TOKEN": "$(id)"');
    expect(status).not.toBe(0);
    expect(exec).toBeUndefined();
  });

  it("exports exactly the names under config.yaml's schema; its own settings cannot be overridden", () => {
    const options = Object.fromEntries(schemaNames.map((name) => [name, `value-of-${name}`]));
    const { status, stderr, exec } = runAddon(dir, {
      ...options,
      DATA_DIR: '/tmp/elsewhere',
      HTTP_HOST: '127.0.0.2',
      HTTP_ALLOW_UNAUTHENTICATED: 'true',
    });
    expect(status, stderr).toBe(0);
    for (const name of schemaNames) expect(exec?.env[name], name).toBe(`value-of-${name}`);
    expect(exec?.env['DATA_DIR']).toBe(join(dir, 'ingestor'));
    expect(exec?.env['HTTP_HOST']).toBe('0.0.0.0');
    expect(exec?.env['HTTP_ALLOW_UNAUTHENTICATED']).toBeUndefined();
    for (const name of ['DATA_DIR', 'HTTP_HOST', 'HTTP_ALLOW_UNAUTHENTICATED'])
      expect(stderr).toContain(`option ${name} ignored (not an ingestor setting)`);
  });

  it('runs the ingestor through su-exec as the unprivileged user, in a data directory that user owns', () => {
    const { status, stderr, exec, user } = runAddon(dir, { LOG_LEVEL: 'info' });
    expect(status, stderr).toBe(0);
    expect(user).toBe(userInfo().username);
    expect(exec?.argv).toEqual(['run']);
    expect(statSync(join(dir, 'ingestor')).uid).toBe(userInfo().uid);
    // The API token file stays outside the directory the ingestor user owns.
    expect(existsSync(join(dir, 'api_token'))).toBe(true);
    expect(existsSync(join(dir, 'ingestor', 'api_token'))).toBe(false);
  });

  it('refuses to start without the config.yaml its option names come from', () => {
    const { status, stderr, exec } = runAddon(
      dir,
      { LOG_LEVEL: 'info' },
      { HA_INGESTOR_ADDON_CONFIG: join(dir, 'nope.yaml') },
    );
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/cannot read .*nope\.yaml/);
    expect(exec).toBeUndefined();
  });
});

describe('add-on install-app.sh (Dockerfile build step; npm and node replaced by stand-ins)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'addon-install-'));
    mkdirSync(join(dir, 'src'));
    // node prints $FAKE_NODE_VERSION; npm records its arguments and installs the bin link it was asked for.
    fakeCommand(join(dir, 'bin'), 'node', 'echo "$FAKE_NODE_VERSION"');
    fakeCommand(
      join(dir, 'bin'),
      'npm',
      [
        `printf '%s\\n' "$@" > '${join(dir, 'npm-args')}'`,
        'if [ -z "${FAKE_NPM_NO_BIN:-}" ]; then mkdir -p "$HA_INGESTOR_PREFIX/node_modules/.bin" && : > "$HA_INGESTOR_PREFIX/node_modules/.bin/ha-ingestor"; fi',
      ].join('\n'),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function install(env: Record<string, string>) {
    const result = spawnSync('sh', [INSTALL_SH], {
      env: {
        PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
        HA_INGESTOR_ADDON_SRC: join(dir, 'src'),
        HA_INGESTOR_PREFIX: join(dir, 'opt'),
        FAKE_NODE_VERSION: 'v22.15.1',
        ...env,
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    const argsFile = join(dir, 'npm-args');
    const npmArgs = existsSync(argsFile) ? readFileSync(argsFile, 'utf8').trim().split('\n') : undefined;
    return { status: result.status, stderr: result.stderr, npmArgs };
  }

  it('installs ha-ingestor at the add-on version (BUILD_VERSION) with production dependencies only', () => {
    const { status, stderr, npmArgs } = install({ BUILD_VERSION: '0.1.0' });
    expect(status, stderr).toBe(0);
    expect(npmArgs).toEqual(expect.arrayContaining(['install', '--prefix', join(dir, 'opt'), '--omit=dev']));
    expect(npmArgs?.at(-1)).toBe('ha-ingestor@0.1.0');
  });

  it('prefers a tarball in the add-on folder, then HA_INGESTOR_PACKAGE, over the registry', () => {
    expect(install({ BUILD_VERSION: '0.1.0', HA_INGESTOR_PACKAGE: 'ha-ingestor@next' }).npmArgs?.at(-1)).toBe(
      'ha-ingestor@next',
    );
    writeFileSync(join(dir, 'src', 'ha-ingestor-0.1.0.tgz'), '');
    expect(install({ BUILD_VERSION: '0.1.0', HA_INGESTOR_PACKAGE: 'x' }).npmArgs?.at(-1)).toBe(
      join(dir, 'src', 'ha-ingestor-0.1.0.tgz'),
    );
  });

  it('fails with the reason: two tarballs, no version, Node older than 20, no ha-ingestor command', () => {
    expect(install({ FAKE_NODE_VERSION: 'v18.20.4', BUILD_VERSION: '0.1.0' }).stderr).toMatch(
      /needs Node\.js 20 or newer, the base image's nodejs package is v18\.20\.4/,
    );
    expect(install({}).stderr).toMatch(/no ha-ingestor\*\.tgz in the add-on folder and no BUILD_VERSION/);
    const noBin = install({ BUILD_VERSION: '0.1.0', FAKE_NPM_NO_BIN: '1' });
    expect([noBin.status, noBin.stderr]).toEqual([1, expect.stringMatching(/installed no ha-ingestor command/)]);
    writeFileSync(join(dir, 'src', 'ha-ingestor-0.1.0.tgz'), '');
    writeFileSync(join(dir, 'src', 'ha-ingestor-0.2.0.tgz'), '');
    const two = install({ BUILD_VERSION: '0.1.0' });
    expect([two.status, two.stderr]).toEqual([1, expect.stringMatching(/more than one ha-ingestor\*\.tgz/)]);
  });
});
