import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkFenceLanguages,
  compileMarkdown,
  compileMarkdownFiles,
  extractTsBlocks,
  findMarkdownFiles,
  formatDiagnostics,
  writeTsBlocks,
  type CompileMarkdownResult,
} from './doc-blocks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Markdown files with code blocks that are NOT compiled, each with the reason. Empty on purpose: every
 * README and guide compiles. Adding an entry needs a reason a reviewer accepts; an entry whose file no
 * longer exists or has no code blocks fails the test below.
 */
const EXCLUDED: ReadonlyMap<string, string> = new Map<string, string>([]);

// Every markdown file of the repository (found, not listed: a new README is covered the day it is added).
const ALL = findMarkdownFiles();
const WITH_CODE = ALL.filter((doc) => extractTsBlocks(readFileSync(join(root, doc), 'utf8')).length > 0);
const COMPILED = WITH_CODE.filter((doc) => !EXCLUDED.has(doc));

describe('every README and guide', () => {
  let results: Map<string, CompileMarkdownResult> | undefined;
  // One TypeScript program for all documents: the workspace sources are checked once (~10 s), not per file.
  beforeAll(() => {
    results = compileMarkdownFiles(COMPILED.map((doc) => join(root, doc)));
  }, 180_000);

  it('finds the documents (the glob reaches READMEs, package docs, guides and examples)', () => {
    for (const doc of [
      'README.md',
      'docs/guide.md',
      'packages/core/README.md',
      'packages/sink-influx/docs/schema.md',
      'examples/enricher-plugin/README.md',
      'test-support/README.md',
    ]) {
      expect(WITH_CODE).toContain(doc);
    }
  });

  it('excludes nothing without a reason, and nothing stale', () => {
    for (const [doc, reason] of EXCLUDED) {
      expect(reason.length, doc).toBeGreaterThan(20);
      expect(WITH_CODE, `${doc} is excluded but has no code blocks (or is gone)`).toContain(doc);
    }
  });

  it.each(ALL)('%s: every fence names a language this harness knows', (doc) => {
    expect(checkFenceLanguages(readFileSync(join(root, doc), 'utf8'))).toEqual([]);
  });

  it.each(COMPILED)('%s: every ```ts / ```js block compiles', (doc) => {
    const path = join(root, doc);
    const result = results?.get(path);
    expect(result?.blocks.some((b) => !b.prelude)).toBe(true);
    expect(formatDiagnostics(path, result?.diagnostics ?? [{ line: 0, file: '', message: 'not compiled' }])).toEqual(
      [],
    );
  });
});

// The guide's test blocks are not only compiled but run: written out with the modules they test, then
// imported here, so their describe/it blocks run in this file. What the guide says passes, passes.
describe('docs/guide.md: its test blocks pass', async () => {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(root, '.tmp', 'guide-tests-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const placed = writeTsBlocks(extractTsBlocks(readFileSync(join(root, 'docs/guide.md'), 'utf8')), dir);
  const tests = [...placed.keys()].filter((path) => path.endsWith('.test.ts'));
  it('has test blocks', () => expect(tests.length).toBeGreaterThanOrEqual(3));
  for (const path of tests) await import(pathToFileURL(path).href);
});

describe('doc-blocks harness', () => {
  const md = [
    '# t', // 1
    '```ts prelude', // 2
    'declare const token: string;', // 3
    '```', // 4
    '```ts file=src/lib.ts', // 5
    'export const twice = (s: string): string => s + s;', // 6
    '```', // 7
    '```sh', // 8
    'npm i', // 9
    '```', // 10
    '```ts', // 11
    "import { twice } from './src/lib.js';", // 12
    'const n: number = twice(token);', // 13
    '```', // 14
    '```js', // 15
    '/** @type {number} */', // 16
    "const m = 'x';", // 17
    '```', // 18
  ].join('\n');

  /** Writes markdown files into a scratch directory, compiles them in one program, removes them. */
  function compileScratch(files: Record<string, string>): Map<string, CompileMarkdownResult> {
    mkdirSync(join(root, '.tmp'), { recursive: true });
    const dir = mkdtempSync(join(root, '.tmp', 'doc-blocks-test-'));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      const results = compileMarkdownFiles(Object.keys(files).map((name) => join(dir, name)));
      return new Map([...results].map(([path, result]) => [path.slice(dir.length + 1), result]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reads file= and prelude from the info string, takes js blocks, and skips other languages', () => {
    expect(extractTsBlocks(md).map((b) => [b.line, b.file, b.prelude])).toEqual([
      [3, 'block-0003.ts', true],
      [6, 'src/lib.ts', false],
      [12, 'block-0012.ts', false],
      [16, 'block-0016.js', false],
    ]);
  });

  it('refuses fences it cannot classify: an unlabelled or unknown-language block cannot hide code', () => {
    expect(
      checkFenceLanguages(['```', 'const a = 1;', '```', '```tsx', 'x', '```', '```json', '{}', '```'].join('\n')),
    ).toEqual([
      "1: fence language '' is neither compiled (ts, js) nor known to be non-code",
      "4: fence language 'tsx' is neither compiled (ts, js) nor known to be non-code",
    ]);
  });

  it(
    'reports errors at their markdown line, with the prelude applied, file= blocks importable and js checked',
    { timeout: 180_000 },
    () => {
      mkdirSync(join(root, '.tmp'), { recursive: true });
      const dir = mkdtempSync(join(root, '.tmp', 'doc-blocks-test-'));
      try {
        writeFileSync(join(dir, 'doc.md'), md);
        const { diagnostics } = compileMarkdown(join(dir, 'doc.md'));
        expect(diagnostics.map((d) => [d.line, d.file])).toEqual([
          [13, 'block-0012.ts'],
          [17, 'block-0016.js'],
        ]);
        expect(diagnostics[0]?.message).toMatch(/^TS2322: Type 'string' is not assignable to type 'number'/);
        expect(diagnostics[1]?.message).toMatch(/^TS2322: Type 'string' is not assignable to type 'number'/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    'places an error in a prelude at the prelude, once; keeps documents apart; lets a block import repository files as its file= path would',
    { timeout: 180_000 },
    () => {
      const results = compileScratch({
        'a.md': [
          '```ts prelude',
          'declare const token: strng;',
          '```',
          '```ts file=src/shared.ts',
          'export const a = 1;',
          '```',
          '```ts',
          'export const b = token;',
          '```',
          '```ts',
          'export const c = token;',
          '```',
        ].join('\n'),
        // b.md imports a.md's file= block: it must not resolve, and the same top-level names must not clash.
        'b.md': ['```ts', "import { a } from './src/shared.js';", 'export const b = a;', '```'].join('\n'),
        'c.md': [
          '```ts file=packages/x/test/integration/t.test.ts',
          "import { uniqueName } from '../../../../test-support/services.js';",
          'export const name: string = uniqueName("t");',
          '```',
        ].join('\n'),
      });
      expect(results.get('a.md')?.diagnostics.map((d) => [d.line, d.message.slice(0, 6)])).toEqual([[2, 'TS2552']]);
      expect(results.get('b.md')?.diagnostics.map((d) => [d.line, d.message.slice(0, 6)])).toEqual([[2, 'TS2307']]);
      expect(results.get('c.md')?.diagnostics).toEqual([]);
    },
  );
});
