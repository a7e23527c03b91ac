// Compiles the code blocks of markdown documents, so documentation cannot rot (issue 20, item 1).
//
// Every ```ts (or ```typescript) block is one module, type-checked strict against the workspace packages;
// every ```js (or ```javascript) block is one JavaScript module, checked the same way (`checkJs`). Two words
// after the language change that, and both stay visible to the reader:
//   ```ts file=src/my-enricher.ts   the block is that file; later blocks import it ('./my-enricher.js')
//   ```ts prelude                   not compiled on its own: prepended to every later ts block of the
//                                   document (declare the free names an example uses, e.g.
//                                   `declare const token: string;`); a ```js prelude, to every later js block
// A block's directory stands for the repository root (`rootDirs`): a block with
// `file=packages/x/test/integration/a.test.ts` imports '../../../../test-support/services.js' as that file would.
// A block that does not compile is a failure, never a skip: there is no opt-out marker. Other languages
// (```sh, ```json, ```diff …) are not code this harness can check; see NON_CODE_LANGS.
//
// Which packages: by default the workspace *sources*, through the `source` export condition, so no build
// is needed and the unit tests stay fast. The published d.ts are generated from those sources by tsup, so
// a block that compiles against one compiles against the other unless the d.ts generation itself loses
// something; `--built` (mode 'built') checks exactly that: it drops the `source` condition, so every
// `@ha-ingestor/*` import resolves through the package's `exports` → `import` → `types`, the dist/*.d.ts
// a consumer gets. CI runs it after `npm run build`:
//   npx tsx scripts/doc-blocks.ts [--built] [file.md …]     (no files: every markdown file of the repository)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FENCE_RE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/;
const TS_LANGS = new Set(['ts', 'typescript']);
const JS_LANGS = new Set(['js', 'javascript']);
/**
 * Fence languages that are not TypeScript or JavaScript, so not compiled. Any other language (`tsx`,
 * `mjs`, a bare ``` …) fails {@link checkFenceLanguages}: a TypeScript block must not escape the check
 * by a label this harness does not know.
 */
export const NON_CODE_LANGS: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'shell',
  'console',
  'json',
  'jsonc',
  'yaml',
  'diff',
  'text',
  'ini',
  'toml',
  'python',
  'sql',
  'flux',
]);
/** Directories never searched for markdown: dependencies, build output, scratch and service state. */
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.tmp', '.services', 'data', 'coverage']);

/** Which packages the blocks compile against; see the file comment. */
export type DocBlocksMode = 'source' | 'built';

/** One code block of a markdown document. */
export interface DocBlock {
  /** 1-based line of the block's first code line in the markdown file. */
  readonly line: number;
  /** The module path the block is compiled as, relative to the document's work directory. */
  readonly file: string;
  readonly prelude: boolean;
  readonly code: string;
}

/** A compile error, placed in the markdown file. */
export interface DocDiagnostic {
  /** 1-based markdown line (0: not in any block, e.g. an options error). */
  readonly line: number;
  /** The block's module path (as {@link DocBlock.file}). */
  readonly file: string;
  readonly message: string;
}

/** Options of {@link compileMarkdown} and {@link compileMarkdownFiles}. */
export interface CompileMarkdownOptions {
  /** Overrides on top of the repository's tsconfig.base.json (plus `noEmit`). */
  readonly compilerOptions?: ts.CompilerOptions;
  /** @default 'source' */
  readonly mode?: DocBlocksMode;
}

/** What {@link compileMarkdown} found: the blocks and every diagnostic, as `path:line: message`-ready records. */
export interface CompileMarkdownResult {
  readonly blocks: readonly DocBlock[];
  readonly diagnostics: readonly DocDiagnostic[];
}

/** The ```ts and ```js blocks of a markdown text, in order; `file=` and `prelude` read from the info string. */
export function extractTsBlocks(markdown: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const fence of fences(markdown)) {
    const lang = fence.lang.toLowerCase();
    const js = JS_LANGS.has(lang);
    if (!js && !TS_LANGS.has(lang)) continue;
    const words = fence.info.trim().split(/\s+/);
    const file = words.find((w) => w.startsWith('file='))?.slice('file='.length);
    const name = file ?? `block-${String(fence.line).padStart(4, '0')}.${js ? 'js' : 'ts'}`;
    blocks.push({ line: fence.line, file: name, prelude: words.includes('prelude'), code: fence.code });
  }
  return blocks;
}

/** `line: message` for every fence whose language is neither compiled nor in {@link NON_CODE_LANGS}. */
export function checkFenceLanguages(markdown: string): string[] {
  return fences(markdown)
    .filter(({ lang }) => {
      const l = lang.toLowerCase();
      return !TS_LANGS.has(l) && !JS_LANGS.has(l) && !NON_CODE_LANGS.has(l);
    })
    .map(
      ({ line, lang }) => `${line - 1}: fence language '${lang}' is neither compiled (ts, js) nor known to be non-code`,
    );
}

/**
 * Every markdown file under `dir` (default: the repository), skipping dependencies, build output,
 * scratch directories and the generated API reports (`*.api.md`), as paths relative to the repository root, sorted. New READMEs and guides are
 * found without being listed anywhere.
 */
export function findMarkdownFiles(dir: string = ROOT): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(join(at, entry.name));
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.md') && !entry.name.endsWith('.api.md')) {
        // (`*.api.md` are api-extractor's generated reports: declaration listings checked by `api:check`.)
        found.push(relative(ROOT, join(at, entry.name)));
      }
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * Type-checks every code block of the markdown file at `markdownPath` (see the file comment for `file=`
 * and `prelude`) and returns the diagnostics mapped to markdown lines.
 */
export function compileMarkdown(markdownPath: string, options: CompileMarkdownOptions = {}): CompileMarkdownResult {
  const result = compileMarkdownFiles([markdownPath], options).get(resolve(markdownPath));
  if (!result) throw new Error(`no result for ${markdownPath}`);
  return result;
}

/**
 * Type-checks the code blocks of many markdown files in one TypeScript program (the workspace sources
 * are checked once, not once per document). Each document's blocks are written to their own temporary
 * directory inside the repository (so `@ha-ingestor/*`, zod and vitest resolve as they do for the
 * packages, and `file=` names of two documents cannot collide), compiled, and removed again. Every block
 * is a module (`moduleDetection: force`), so two documents may declare the same names. Returns the
 * result per absolute markdown path.
 */
export function compileMarkdownFiles(
  markdownPaths: readonly string[],
  options: CompileMarkdownOptions = {},
): Map<string, CompileMarkdownResult> {
  const mode = options.mode ?? 'source';
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const work = mkdtempSync(join(ROOT, '.tmp', 'doc-blocks-'));
  try {
    const docs = markdownPaths.map((path, i) => {
      const markdown = resolve(path);
      const blocks = extractTsBlocks(readFileSync(markdown, 'utf8'));
      const dir = join(work, String(i));
      mkdirSync(dir, { recursive: true });
      return { markdown, blocks, dir, placed: writeTsBlocks(blocks, dir) };
    });
    const placedBy = new Map<string, { doc: (typeof docs)[number]; at: PlacedBlock }>();
    for (const doc of docs) for (const [path, at] of doc.placed) placedBy.set(path, { doc, at });
    const compilerOptions: ts.CompilerOptions = {
      ...baseCompilerOptions(),
      ...(mode === 'built' ? { customConditions: [] } : {}),
      paths: { ...workspacePackagePaths(mode), ...options.compilerOptions?.paths },
      moduleDetection: ts.ModuleDetectionKind.Force,
      rootDirs: [ROOT, ...docs.map((doc) => doc.dir)],
      allowJs: true,
      checkJs: true,
      ...omitPaths(options.compilerOptions),
      noEmit: true,
    };
    const program = ts.createProgram({
      rootNames: [...placedBy.keys()],
      options: compilerOptions,
      host: isolatingHost(compilerOptions, work),
    });
    const results = new Map<string, { blocks: readonly DocBlock[]; diagnostics: DocDiagnostic[] }>(
      docs.map((doc) => [doc.markdown, { blocks: doc.blocks, diagnostics: [] }]),
    );
    // Options and global errors concern every document: report them at line 0 of each.
    for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
      for (const result of results.values())
        result.diagnostics.push({ line: 0, file: '', message: `TS${d.code}: ${flatten(d)}` });
    }
    for (const [path, { doc, at }] of placedBy) {
      const source = program.getSourceFile(path);
      if (!source) continue;
      const result = results.get(doc.markdown);
      for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
        const fileLine = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
        // A diagnostic inside a prelude is placed at the prelude's own line, reported once per document.
        const segment = [...at.segments].reverse().find((s) => s.fileLine <= fileLine) ?? at.segments[0];
        if (!segment) continue;
        const diagnostic = {
          line: segment.block.line + fileLine - segment.fileLine,
          file: segment.block.file,
          message: `TS${d.code}: ${flatten(d)}`,
        };
        const seen = result?.diagnostics.some((x) => x.line === diagnostic.line && x.message === diagnostic.message);
        if (!seen) result?.diagnostics.push(diagnostic);
      }
    }
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Where a written block's lines came from: the preludes in front of it, then the block itself. */
export interface PlacedBlock {
  readonly block: DocBlock;
  /** Lines of prelude in front of the block's own code. */
  readonly offset: number;
  /** Each part of the written file with the 0-based file line it starts at; the last one is `block`. */
  readonly segments: ReadonlyArray<{ readonly block: DocBlock; readonly fileLine: number }>;
}

/**
 * Writes the non-prelude blocks as modules under `dir` (each with every earlier prelude prepended, and a
 * `package.json` making them ES modules), e.g. to run a guide's test blocks. Returns each written path with
 * its block and where its lines came from.
 */
export function writeTsBlocks(blocks: readonly DocBlock[], dir: string): Map<string, PlacedBlock> {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const placed = new Map<string, PlacedBlock>();
  const isJs = (block: DocBlock): boolean => /\.[cm]?js$/.test(block.file);
  for (const block of blocks) {
    if (block.prelude) continue;
    // A ```ts prelude goes in front of TypeScript blocks only, a ```js prelude in front of JavaScript ones.
    const preludes = blocks.filter((p) => p.prelude && p.line < block.line && isJs(p) === isJs(block));
    const segments: Array<{ block: DocBlock; fileLine: number }> = [];
    let text = '';
    for (const p of preludes) {
      segments.push({ block: p, fileLine: text.split('\n').length - 1 });
      text += `${p.code}\n`;
    }
    const offset = text.split('\n').length - 1;
    const path = join(dir, block.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text + block.code);
    placed.set(path, { block, offset, segments: [...segments, { block, fileLine: offset }] });
  }
  return placed;
}

/** `path:line (file): message` lines, for test failures and CLI output. */
export function formatDiagnostics(markdownPath: string, diagnostics: readonly DocDiagnostic[]): string[] {
  const shown = relative(ROOT, resolve(markdownPath));
  return diagnostics.map((d) => `${shown}:${d.line} (${d.file}): ${d.message}`);
}

/**
 * `paths` for the workspace packages the repository root does not depend on (the plugin starter in
 * examples/ is standalone and has no `source` condition): in 'source' mode the package name maps to its
 * `src/index.ts`, in 'built' mode to its package.json `types` (the built d.ts, so build it first).
 */
export function workspacePackagePaths(mode: DocBlocksMode = 'source'): Record<string, string[]> {
  const rootPkg = readJson(join(ROOT, 'package.json'));
  const rootDeps = new Set(Object.keys({ ...record(rootPkg['dependencies']), ...record(rootPkg['devDependencies']) }));
  const paths: Record<string, string[]> = {};
  for (const group of ['packages', 'examples']) {
    for (const entry of readdirSync(join(ROOT, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(ROOT, group, entry.name);
      let pkg: Record<string, unknown>;
      try {
        pkg = readJson(join(dir, 'package.json'));
      } catch {
        continue; // a folder without package.json is not a package
      }
      const name = pkg['name'];
      if (typeof name !== 'string' || rootDeps.has(name) || pkg['private'] === true) continue;
      const types = pkg['types'];
      paths[name] = [mode === 'built' && typeof types === 'string' ? join(dir, types) : join(dir, 'src', 'index.ts')];
    }
  }
  return paths;
}

// --- internal ---

interface Fence {
  /** 1-based line of the first code line. */
  readonly line: number;
  readonly lang: string;
  readonly info: string;
  readonly code: string;
}

function fences(markdown: string): Fence[] {
  const found: Fence[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_RE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '```', lang = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    found.push({ line: i + 2, lang, info, code: body.join('\n') });
    i = j;
  }
  return found;
}

/**
 * A compiler host whose module resolution never crosses from one document's work directory into
 * another's: `rootDirs` lists them all (each stands for the repository root), and without this a block
 * could import a file= block of a different document.
 */
function isolatingHost(options: ts.CompilerOptions, work: string): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const docOf = (file: string): string | undefined => {
    const rel = relative(work, file);
    return rel.startsWith('..') ? undefined : rel.split(/[\\/]/)[0];
  };
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, compilerOptions, containingSource) =>
    literals.map((literal) => {
      const mode = ts.getModeForUsageLocation(containingSource, literal, compilerOptions);
      const found = ts.resolveModuleName(
        literal.text,
        containingFile,
        compilerOptions,
        host,
        undefined,
        redirected,
        mode,
      );
      const target = found.resolvedModule?.resolvedFileName;
      const from = docOf(containingFile);
      if (target !== undefined && from !== undefined && docOf(target) !== undefined && docOf(target) !== from) {
        return { resolvedModule: undefined };
      }
      return found;
    });
  return host;
}

function flatten(d: ts.Diagnostic): string {
  return ts.flattenDiagnosticMessageText(d.messageText, '\n');
}

function omitPaths(options: ts.CompilerOptions | undefined): ts.CompilerOptions {
  if (!options) return {};
  const { paths: _paths, ...rest } = options;
  return rest;
}

function readJson(path: string): Record<string, unknown> {
  return record(JSON.parse(readFileSync(path, 'utf8')));
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

let base: ts.CompilerOptions | undefined;

function baseCompilerOptions(): ts.CompilerOptions {
  if (base) return base;
  const configPath = join(ROOT, 'tsconfig.base.json');
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  base = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, configPath).options;
  return base;
}

function main(argv: readonly string[]): number {
  const mode: DocBlocksMode = argv.includes('--built') ? 'built' : 'source';
  const given = argv.filter((a) => !a.startsWith('--'));
  const files = given.length > 0 ? given : findMarkdownFiles();
  const started = Date.now();
  const results = compileMarkdownFiles(files, { mode });
  let blocks = 0;
  const errors: string[] = [];
  for (const [path, result] of results) {
    blocks += result.blocks.filter((b) => !b.prelude).length;
    errors.push(...formatDiagnostics(path, result.diagnostics));
    errors.push(...checkFenceLanguages(readFileSync(path, 'utf8')).map((e) => `${relative(ROOT, path)}:${e}`));
  }
  for (const e of errors) console.error(e);
  const docs = [...results.values()].filter((r) => r.blocks.length > 0).length;
  console.log(
    `doc-blocks (${mode}): ${blocks} blocks in ${docs} documents, ${errors.length} errors, ${Date.now() - started} ms`,
  );
  return errors.length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
