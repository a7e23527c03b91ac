import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const RUN_SH = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'ha-addon', 'run.sh');

/**
 * Runs the add-on entrypoint with bash against a fake options.json; the final `exec node <entry> run` is
 * pointed at a stub that records its argv and environment instead of starting the ingestor.
 */
function runAddon(dir: string, options: unknown, extraEnv: Record<string, string> = {}) {
  writeFileSync(join(dir, 'options.json'), typeof options === 'string' ? options : JSON.stringify(options));
  const result = spawnSync('bash', [RUN_SH], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HA_INGESTOR_OPTIONS: join(dir, 'options.json'),
      HA_INGESTOR_ADDON_DATA: dir,
      HA_INGESTOR_ENTRY: join(dir, 'stub.cjs'),
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
  return { status: result.status, stderr: result.stderr, exec };
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
});
