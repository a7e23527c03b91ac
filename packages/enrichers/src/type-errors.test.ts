// Issue 20, item 7: a wiring mistake's compile error says what to add, on its FIRST line, and stays so under
// exactOptionalPropertyTypes (TS 5.9's `tsc --init` default). `@ts-expect-error` proves only that something
// fails, so this compiles snippets with the TypeScript compiler API (one program) and reads the messages.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');

const prelude = `
import { defineEnricher, defineSink, pipeline } from '@ha-ingestor/core';
import type { Sink, Source, StateChangedEvent } from '@ha-ingestor/core';
import { haWeather, registryEnricher, timeContext, unitNormalize } from '@ha-ingestor/enrichers';
import { haWebSocketSource } from '@ha-ingestor/source-ws';
import { z } from 'zod';
declare const states: Source<StateChangedEvent>;
declare function sinkOf<A>(): Sink<A>;
const ws = haWebSocketSource({ url: 'ws://ha.local:8123/api/websocket', token: 't' });
void [defineEnricher, defineSink, pipeline, haWeather, registryEnricher, timeContext, unitNormalize, ws, z];
`;

/** One file per case, so each diagnostic belongs to one case. */
const cases = {
  // The example: a sink that needs `area`, wired without the registry enricher.
  sinkNeedsArea: `pipeline(ws).to(sinkOf<{ readonly entity_id: string; readonly area: string }>());`,
  sinkNeedsSeveral: `pipeline(ws).use(unitNormalize()).to(sinkOf<{ readonly area: string; readonly floor: string; readonly hour: number }>());`,
  enricherNeedsWeather: `pipeline(states).use(defineEnricher({ name: 'feels', create: () => ({ enrich: (e: { weather: { temperature?: number } }) => ({ feels: e.weather.temperature ?? 0 }) }) })());`,
  unregisteredField: `pipeline(ws).use(registryEnricher()).to(sinkOf<{ readonly tariff: number }>());`,
  mixed: `pipeline(states).to(sinkOf<{ readonly original_unit: string; readonly tariff: number }>());`,
  optionalField: `pipeline(ws).use(registryEnricher()).to(sinkOf<{ readonly area: string }>());`,
  typeClash: `pipeline(states).to(sinkOf<{ readonly state: number }>());`,
  // What compiles must keep compiling under exactOptionalPropertyTypes, including a sink object whose
  // optional members may be undefined (a consumer's `close: maybeClose`).
  fine: `
    declare const maybeClose: (() => Promise<void>) | undefined;
    const own: Sink<{ readonly entity_id?: string | undefined; readonly area?: string | undefined }> = { kind: 'sink', name: 'own', write: async () => undefined, close: maybeClose };
    const defined = defineSink({ name: 'lines', options: z.object({}), create: () => ({ write: async (_b: readonly { readonly hour: number }[]) => undefined, close: maybeClose }) });
    pipeline(ws).use(registryEnricher()).use(timeContext()).use(unitNormalize()).use(haWeather({ entityId: 'weather.home' })).to(own).to(defined({})).build();`,
} as const;
type Case = keyof typeof cases;

const diagnostics = new Map<Case, readonly ts.Diagnostic[]>();

beforeAll(() => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error('tsconfig.json did not parse');
  const options: ts.CompilerOptions = { ...config.options, exactOptionalPropertyTypes: true, noEmit: true };
  // The snippets live (virtually) in this package's src, so '@ha-ingestor/*' resolves as it does for its code.
  const files = new Map(
    Object.entries(cases).map(([name, body]) => [join(here, `__type_error_${name}.ts`), `${prelude}\n${body}\n`]),
  );
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = files.get(f);
    return text === undefined ? getSourceFile.call(host, f, lang, onError, create) : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  for (const name of Object.keys(cases) as Case[]) {
    const file = program.getSourceFile(join(here, `__type_error_${name}.ts`));
    if (file === undefined) throw new Error(`snippet ${name} not in the program`);
    diagnostics.set(name, [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]);
  }
}, 60_000);

/** The first line of the one diagnostic a case must produce, with its code. */
function firstLine(name: Case): { code: number; line: string } {
  const found = diagnostics.get(name) ?? [];
  expect(
    found.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    `${name}: exactly one diagnostic`,
  ).toHaveLength(1);
  const [d] = found as [ts.Diagnostic];
  return { code: d.code, line: ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0] ?? '' };
}

describe('wiring errors say what to add (issue 20), under exactOptionalPropertyTypes', () => {
  it('a sink needing `area` without the registry enricher: the first line names the field and registryEnricher()', () => {
    const { code, line } = firstLine('sinkNeedsArea');
    expect(code).toBe(2345); // not TS2379 "Consider adding 'undefined'…"
    expect(line).toContain('missing field `area`: add registryEnricher() before this sink');
  });

  it('several missing fields from two enrichers: names every field and both enrichers, once each', () => {
    const { code, line } = firstLine('sinkNeedsSeveral');
    expect(code).toBe(2345);
    expect(line).toMatch(
      /missing fields `(area|floor|hour)`, `(area|floor|hour)`, `(area|floor|hour)`: add (registryEnricher\(\), timeContext\(\)|timeContext\(\), registryEnricher\(\)) before this sink/,
    );
    for (const field of ['area', 'floor', 'hour']) expect(line).toContain(`\`${field}\``);
  });

  it('an enricher needing `weather`: names haWeather() and says "before this enricher"', () => {
    const { code, line } = firstLine('enricherNeedsWeather');
    expect(code).toBe(2345);
    expect(line).toContain('missing field `weather`: add haWeather() before this enricher');
  });

  it('a field no enricher registers gets the generic hint', () => {
    expect(firstLine('unregisteredField').line).toContain(
      'missing field `tariff`: add an enricher that adds it before this sink',
    );
    // Fields come in TypeScript's union order, which the test does not pin.
    expect(firstLine('mixed').line).toMatch(
      /missing fields (`original_unit`, `tariff`|`tariff`, `original_unit`): add unitNormalize\(\) and an enricher that adds `tariff` before this sink/,
    );
  });

  it('a field the enricher adds optionally, required by the sink, and a type clash are named too', () => {
    expect(firstLine('optionalField').line).toContain('field `area` may be absent here, but this sink requires it');
    const clash = firstLine('typeClash');
    expect(clash.code).toBe(2345);
    expect(clash.line).toContain('field `state` has a type here that this sink does not accept');
  });

  it('correct wiring, with consumer objects whose optional members may be undefined, compiles', () => {
    const fine = diagnostics.get('fine');
    expect(fine).toBeDefined();
    expect((fine ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });
});
