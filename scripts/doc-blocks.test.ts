import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMarkdown, extractTsBlocks, formatDiagnostics, writeTsBlocks } from './doc-blocks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Documents whose every TypeScript block must compile (the lead adds the READMEs as they are fixed), with
 * the package names they import that are not workspace dependencies of the root, mapped to their sources.
 */
const DOCUMENTS: ReadonlyArray<readonly [string, Readonly<Record<string, string>>]> = [
  ['docs/guide.md', {}],
  ['examples/enricher-plugin/README.md', { 'ha-ingestor-enricher-public-holidays': 'examples/enricher-plugin/src/index.ts' }],
];

describe.each(DOCUMENTS)('%s', (doc, packages) => {
  it('compiles every ```ts block', { timeout: 180_000 }, () => {
    const path = join(root, doc);
    const paths = Object.fromEntries(Object.entries(packages).map(([name, file]) => [name, [join(root, file)]]));
    const { blocks, diagnostics } = compileMarkdown(path, { compilerOptions: { paths } });
    expect(blocks.length).toBeGreaterThan(0);
    expect(formatDiagnostics(path, diagnostics)).toEqual([]);
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
  ].join('\n');

  it('reads file= and prelude from the info string and skips other languages', () => {
    expect(extractTsBlocks(md).map((b) => [b.line, b.file, b.prelude])).toEqual([
      [3, 'block-0003.ts', true],
      [6, 'src/lib.ts', false],
      [12, 'block-0012.ts', false],
    ]);
  });

  it('reports an error at its markdown line, with the prelude applied and file= blocks importable', { timeout: 180_000 }, () => {
    mkdirSync(join(root, '.tmp'), { recursive: true });
    const dir = mkdtempSync(join(root, '.tmp', 'doc-blocks-test-'));
    try {
      writeFileSync(join(dir, 'doc.md'), md);
      const { diagnostics } = compileMarkdown(join(dir, 'doc.md'));
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ line: 13, file: 'block-0012.ts' });
      expect(diagnostics[0]?.message).toMatch(/^TS2322: Type 'string' is not assignable to type 'number'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
