import { isSdkError, type ConfigError } from '@ha-ingestor/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { configFromYaml, ENV_MAP, resolveConfig } from './config.js';
import { KNOWN_KEYS } from './config-errors.js';

// Property-based tests of the config parser (issue 11): whatever the YAML document, object or env map,
// only the app's ConfigError escapes, every issue names a key path, and no planted secret is echoed.

/** A secret value that is easy to find in a message: `S3CRET-` plus 8 random characters. */
const secretArb = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 8, maxLength: 8 })
  .map((s) => `S3CRET-${s}`);

const SECRET_KEYS = new Set(['token', 'password', 'apiToken']);
const SECRET_ENV = new Set(
  ENV_MAP.filter(([, path]) => SECRET_KEYS.has(path.split('.').pop() as string)).map(([env]) => env),
);

/** A URL carrying a secret password, in a scheme the field may or may not accept. */
const secretUrlArb = fc
  .tuple(
    fc.constantFrom('mqtt', 'http', 'ws', 'ftp', 'gopher'),
    secretArb,
    fc.constantFrom('host', 'db:8086', 'b.lan:1883/x'),
  )
  .map(([scheme, secret, host]) => ({ text: `${scheme}://user:${secret}@${host}`, secret }));

/** Anything YAML (or a caller) could hand over as a value: scalars, odd numbers, nested junk. */
const junkArb = fc.oneof(
  fc.anything({
    maxDepth: 3,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withTypedArray: true,
  }),
  fc.constantFrom('1e12', '-1', 'NaN', 'Infinity', '0x10', '', ' ', 'true', 'drop_oldest', '0.0.0.0', '::1'),
  fc.double(),
  fc.integer(),
);

type Planted = { value: unknown; secrets: string[] };

/** Secrets planted as the value of a secret key (not inside a URL). */
const secretAtKey = new Set<string>();

/** A value for `path`: secrets at secret keys, sometimes URLs with passwords, else junk. */
function leafArb(key: string): fc.Arbitrary<Planted> {
  if (SECRET_KEYS.has(key)) {
    const atKey = secretArb.map((s) => {
      secretAtKey.add(s);
      return { value: s, secrets: [s] };
    });
    return fc.oneof(
      atKey,
      junkArb.map((v) => ({ value: v, secrets: [] })),
    );
  }
  return fc.oneof(
    secretUrlArb.map(({ text, secret }) => ({ value: text, secrets: [secret] })),
    junkArb.map((v) => ({ value: v, secrets: [] })),
  );
}

/** An object shaped like the config at `prefix`: some known keys, some unknown (`__proto__` included). */
function objectArb(prefix: string, depth: number): fc.Arbitrary<Planted> {
  const known = KNOWN_KEYS.get(prefix) ?? [];
  const entries = known.map((key) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = KNOWN_KEYS.has(path) && depth < 3 ? fc.oneof(objectArb(path, depth + 1), leafArb(key)) : leafArb(key);
    return fc.option(
      child.map((c) => [key, c] as const),
      { nil: undefined },
    );
  });
  const extras = fc.array(
    fc.tuple(
      fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'hots', 'batch_size')),
      leafArb('x'),
    ),
    { maxLength: 2 },
  );
  return fc.tuple(fc.tuple(...entries), extras).map(([chosen, extra]) => {
    const value: Record<string, unknown> = {};
    const secrets: string[] = [];
    for (const entry of [...chosen.filter((e) => e !== undefined), ...extra]) {
      const [key, planted] = entry as readonly [string, Planted];
      Object.defineProperty(value, key, { value: planted.value, enumerable: true, writable: true, configurable: true });
      secrets.push(...planted.secrets);
    }
    return { value, secrets };
  });
}

/** An environment map: our names (secrets at secret names), MQTT_BROKER/PORT and strangers. */
const envArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(...ENV_MAP.map(([name]) => name), 'MQTT_BROKER', 'MQTT_PORT').chain((name) =>
        SECRET_ENV.has(name)
          ? secretArb.map((s) => ({ name, value: s, secrets: [s] }))
          : fc.oneof(
              secretUrlArb.map(({ text, secret }) => ({ name, value: text, secrets: [secret] })),
              fc.string({ maxLength: 20 }).map((v) => ({ name, value: v, secrets: [] as string[] })),
            ),
      ),
      fc
        .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 12 }))
        .map(([name, value]) => ({ name, value, secrets: [] as string[] })),
    ),
    { maxLength: 6 },
  )
  .map((entries) => ({
    env: Object.fromEntries(entries.map((e) => [e.name, e.value])) as NodeJS.ProcessEnv,
    secrets: entries.flatMap((e) => e.secrets),
  }));

/** Runs `fn`; on failure checks the error is a ConfigError that names key paths and leaks no secret. */
function checkOutcome(fn: () => unknown, secrets: readonly string[]): void {
  let error: unknown;
  try {
    fn();
    return;
  } catch (e) {
    error = e;
  }
  expect(isSdkError(error, 'CONFIG_INVALID'), String(error)).toBe(true);
  const { issues, message } = error as ConfigError;
  expect(issues.length).toBeGreaterThan(0);
  for (const issue of issues) {
    expect(issue.path.length).toBeGreaterThan(0);
    if (issue.path !== '(top level)') expect(issue.message).toContain(issue.path);
  }
  for (const secret of secrets) {
    expect(message).not.toContain(secret);
    for (const issue of issues) expect(issue.message).not.toContain(secret);
  }
}

describe('config parser fuzz (issue 11)', () => {
  it('objects and env maps: only ConfigError, key paths named, secrets never echoed', () => {
    fc.assert(
      fc.property(objectArb('', 0), envArb, (file, env) => {
        checkOutcome(
          () => resolveConfig(file.value as Record<string, unknown>, env.env, 'c.yaml'),
          [...file.secrets, ...env.secrets],
        );
      }),
      { seed: 20_011, numRuns: 400 },
    );
  });

  it('YAML documents, valid and mangled: only ConfigError, secrets never echoed', () => {
    const textArb = fc
      .tuple(
        objectArb('', 0),
        fc.array(fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 3 }),
      )
      .map(([planted, edits]) => {
        let text: string;
        try {
          text = stringify(planted.value);
        } catch {
          text = 'http: {}\n';
        }
        for (const [at, insert] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i);
        }
        // A URL password counts while its URL is still a URL; once an edit breaks `://user:<pw>@`, the text
        // is no URL and holds no password. Secrets at secret keys always count (see secretAtKey).
        const secrets = planted.secrets.filter((s) => text.includes(`://user:${s}@`) || secretAtKey.has(s));
        return { text, secrets };
      });
    fc.assert(
      fc.property(textArb, (doc) => {
        checkOutcome(() => configFromYaml(doc.text, {}, 'c.yaml'), doc.secrets);
      }),
      { seed: 20_012, numRuns: 300 },
    );
  });

  it('hand-picked hostile YAML: only ConfigError', () => {
    const docs = [
      `${'- '.repeat(5000)}x`,
      `a: ${'['.repeat(5000)}`,
      'a: &x [*x]\n',
      '!!binary AAAA',
      '? [a]\n: b\n',
      'http: !!set {a, b}\n',
      '"\\u0000": 1\n',
      'x'.repeat(2_000_000),
    ];
    for (const text of docs) checkOutcome(() => configFromYaml(text, {}, 'c.yaml'), []);
  });
});
