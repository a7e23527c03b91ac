import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isSdkError, type ConfigError } from '../model/errors.js';
import { parseOptions } from './config.js';
import { defineEnricher } from './enricher.js';
import { findUnknownKeys, suggestKey } from './unknown-keys.js';

const Schema = z.object({
  timeZone: z.string().optional(),
  token: z.string().optional(),
  batch: z.object({ maxSize: z.number().default(10), maxWaitMs: z.number().default(100) }).prefault({}),
  subscriptions: z.array(z.object({ topic: z.string(), qos: z.number().default(1) })).optional(),
  areas: z.record(z.string(), z.string()).optional(),
  locations: z.record(z.string(), z.object({ lat: z.number(), lon: z.number() })).optional(),
  extra: z.looseObject({ known: z.string().optional() }).optional(),
  headers: z.object({}).catchall(z.string()).optional(),
  target: z
    .union([
      z.object({ kind: z.literal('file'), path: z.string() }),
      z.object({ kind: z.literal('http'), url: z.string() }),
    ])
    .optional(),
  mode: z.union([z.literal('a'), z.object({ level: z.number() })]).optional(),
});

function configError(input: unknown): ConfigError {
  try {
    parseOptions(Schema, input, 'demo');
  } catch (error) {
    if (isSdkError(error, 'CONFIG_INVALID')) return error as ConfigError;
    throw error;
  }
  throw new Error('parseOptions accepted the input');
}

describe('parseOptions refuses unknown option keys', () => {
  it('names a misspelt key and suggests the known one (timezone → timeZone)', () => {
    const error = configError({ timezone: 'Europe/Berlin' });
    expect(error.message).toBe(
      'demo: invalid options: options.timezone: unknown option "timezone" (did you mean "timeZone"?)',
    );
    expect(error.issues).toEqual([
      { path: 'options.timezone', message: 'unknown option "timezone" (did you mean "timeZone"?)' },
    ]);
    expect(error.stage).toBe('demo');
  });

  it('gives no suggestion when no known key is near', () => {
    expect(configError({ colour: 'red' }).message).toBe(
      'demo: invalid options: options.colour: unknown option "colour"',
    );
  });

  it('finds keys inside nested objects (also behind .prefault) and array elements', () => {
    const error = configError({ batch: { maxSise: 5 }, subscriptions: [{ topic: 'a' }, { topic: 'b', qso: 0 }] });
    expect(error.issues.map((i) => i.path)).toEqual(['options.batch.maxSise', 'options.subscriptions.1.qso']);
    expect(error.message).toContain('did you mean "maxSize"?');
    expect(error.message).toContain('did you mean "qos"?');
  });

  it('reports unknown keys together with the schema errors', () => {
    const error = configError({ batch: { maxSize: 'many' }, tiemZone: 'UTC' });
    expect(error.issues.map((i) => i.path)).toEqual(['options.tiemZone', 'options.batch.maxSize']);
  });

  it('keeps accepting any key where the schema does: records, looseObject, catchall', () => {
    const parsed = parseOptions(
      Schema,
      { areas: { 'sensor.a': 'Kitchen' }, extra: { anything: 1 }, headers: { 'X-Any': 'v' } },
      'demo',
    );
    expect(parsed.areas).toEqual({ 'sensor.a': 'Kitchen' });
    expect(parsed.extra).toEqual({ anything: 1 });
    expect(parsed.headers).toEqual({ 'X-Any': 'v' });
  });

  it('still checks the objects inside a record', () => {
    expect(configError({ locations: { home: { lat: 1, lon: 2, elevation: 2 } } }).issues).toEqual([
      { path: 'options.locations.home.elevation', message: 'unknown option "elevation"' },
    ]);
  });

  it('checks a union against the option that accepts the value', () => {
    expect(() => parseOptions(Schema, { target: { kind: 'http', url: 'x' } }, 'demo')).not.toThrow();
    expect(configError({ target: { kind: 'http', url: 'x', path: 'p' } }).issues.map((i) => i.path)).toEqual([
      'options.target.path',
    ]);
    expect(configError({ mode: { level: 1, levle: 2 } }).issues.map((i) => i.path)).toEqual(['options.mode.levle']);
    expect(() => parseOptions(Schema, { mode: 'a' }, 'demo')).not.toThrow();
  });

  it('ignores keys whose value is undefined (they configure nothing)', () => {
    expect(() => parseOptions(Schema, { timezone: undefined }, 'demo')).not.toThrow();
  });

  it('names a secret-looking unknown key but never echoes its value', () => {
    const error = configError({ tokn: 'super-secret-value' });
    expect(error.message).toContain('options.tokn: unknown option "tokn" (did you mean "token"?)');
    expect(JSON.stringify(error)).not.toContain('super-secret-value');
    expect(error.message).not.toContain('super-secret-value');
  });

  it('walks intersections: a key is unknown only when neither side knows it', () => {
    const both = z.intersection(z.object({ a: z.number() }), z.object({ b: z.number() }));
    expect(findUnknownKeys(both, { a: 1, b: 2 })).toEqual([]);
    expect(findUnknownKeys(both, { a: 1, b: 2, c: 3 }).map((k) => k.key)).toEqual(['c']);
  });

  it('walks lazy schemas and pipes, and survives a cyclic input', () => {
    type Node = { name: string; children?: Node[] };
    const Tree: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(Tree).optional() }));
    expect(findUnknownKeys(Tree, { name: 'a', children: [{ name: 'b', childs: [] }] }).map((k) => k.path)).toEqual([
      ['children', 0, 'childs'],
    ]);
    const piped = z.object({ n: z.string() }).pipe(z.object({ n: z.string() }));
    expect(findUnknownKeys(piped, { n: 'x', m: 'y' }).map((k) => k.key)).toEqual(['m']);
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['children'] = [cyclic];
    expect(() => findUnknownKeys(Tree, cyclic)).not.toThrow();
  });

  it('reaches every component: defineEnricher refuses a misspelt option naming the component', () => {
    const tz = defineEnricher({
      name: 'time-demo',
      options: z.object({ timeZone: z.string().optional() }),
      create: () => ({ enrich: () => ({}) }),
    });
    expect(() => tz({ timeZone: 'UTC' })).not.toThrow();
    // @ts-expect-error -- the misspelling is a type error too; this is what a JavaScript or `as` caller gets
    expect(() => tz({ timezone: 'UTC' })).toThrow(
      'time-demo: invalid options: options.timezone: unknown option "timezone" (did you mean "timeZone"?)',
    );
  });
});

describe('suggestKey', () => {
  it('matches case-insensitively, counts a swap of two letters as one edit, within a third of the length', () => {
    expect(suggestKey('timezone', ['timeZone', 'token'])).toBe('timeZone');
    expect(suggestKey('maxsize', ['maxSize', 'maxWaitMs'])).toBe('maxSize');
    expect(suggestKey('url', ['uri', 'urls'])).toBe('uri');
    expect(suggestKey('qso', ['qos', 'topic'])).toBe('qos');
    expect(suggestKey('completely', ['timeZone'])).toBeUndefined();
  });
});
