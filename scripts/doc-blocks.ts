// Compiles the TypeScript code blocks of a markdown document, so documentation cannot rot (issue 20).
//
// Every ```ts (or ```typescript) block is one module, type-checked strict against the workspace packages
// (their sources, through the `source` export condition, so no build is needed). Two words after the
// language change that, and both stay visible to the reader:
//   ```ts file=src/my-enricher.ts   the block is that file; later blocks import it ('./my-enricher.js')
//   ```ts prelude                   not compiled on its own: prepended to every later block of the
//                                   document (declare the free names an example uses, e.g. `declare const token: string;`)
// A block that does not compile is a failure, never a skip: there is no opt-out marker.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FENCE_RE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/;
const TS_LANGS = new Set(['ts', 'typescript']);

/** One TypeScript block of a markdown document. */
export interface DocBlock {
  /** 1-based line of the block's first code line in the markdown file. */
  readonly line: number;
  /** The module path the block is compiled as, relative to the work directory. */
  readonly file: string;
  readonly prelude: boolean;
  readonly code: string;
}

/** A compile error, placed in the markdown file. */
export interface DocDiagnostic {
  readonly line: number;
  readonly file: string;
  readonly message: string;
}

/** Options of {@link compileMarkdown}. */
export interface CompileMarkdownOptions {
  /** Overrides on top of the repository's tsconfig.base.json (plus `noEmit`). */
  readonly compilerOptions?: ts.CompilerOptions;
}

/** What {@link compileMarkdown} found: the blocks and every diagnostic, as `path:line: message`-ready records. */
export interface CompileMarkdownResult {
  readonly blocks: readonly DocBlock[];
  readonly diagnostics: readonly DocDiagnostic[];
}

/** The ```ts blocks of a markdown text, in order; `file=` and `prelude` read from the info string. */
export function extractTsBlocks(markdown: string): DocBlock[] {
  const blocks: DocBlock[] = [];
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
    if (TS_LANGS.has(lang.toLowerCase())) {
      const words = info.trim().split(/\s+/);
      const file = words.find((w) => w.startsWith('file='))?.slice('file='.length);
      blocks.push({ line: i + 2, file: file ?? `block-${String(i + 2).padStart(4, '0')}.ts`, prelude: words.includes('prelude'), code: body.join('\n') });
    }
    i = j;
  }
  return blocks;
}

/**
 * Type-checks every TypeScript block of the markdown file at `markdownPath` (see the file comment for
 * `file=` and `prelude`) and returns the diagnostics mapped to markdown lines. The blocks are written to a
 * temporary directory inside the repository (so `@ha-ingestor/*`, zod and vitest resolve as they do for
 * the packages), compiled together as one program, and removed again.
 */
export function compileMarkdown(markdownPath: string, options: CompileMarkdownOptions = {}): CompileMarkdownResult {
  const blocks = extractTsBlocks(readFileSync(markdownPath, 'utf8'));
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const work = mkdtempSync(join(ROOT, '.tmp', 'doc-blocks-'));
  try {
    const placed = writeTsBlocks(blocks, work);
    const program = ts.createProgram([...placed.keys()], { ...baseCompilerOptions(), ...options.compilerOptions, noEmit: true });
    const found = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    for (const path of placed.keys()) {
      const source = program.getSourceFile(path);
      if (source) found.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
    }
    const diagnostics = found.map((d): DocDiagnostic => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const at = d.file && placed.get(d.file.fileName);
      if (!d.file || !at || d.start === undefined) return { line: 0, file: d.file ? relative(work, d.file.fileName) : '', message };
      const codeLine = d.file.getLineAndCharacterOfPosition(d.start).line - at.offset;
      // A diagnostic inside the prelude is reported at the block that pulled it in.
      return { line: at.block.line + Math.max(codeLine, 0), file: at.block.file, message: `TS${d.code}: ${message}` };
    });
    return { blocks, diagnostics };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Writes the non-prelude blocks as modules under `dir` (each with every earlier prelude prepended, and a
 * `package.json` making them ES modules), e.g. to run a guide's test blocks. Returns each written path with
 * its block and the number of prelude lines in front of it.
 */
export function writeTsBlocks(blocks: readonly DocBlock[], dir: string): Map<string, { block: DocBlock; offset: number }> {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const placed = new Map<string, { block: DocBlock; offset: number }>();
  let prelude = '';
  for (const block of blocks) {
    if (block.prelude) {
      prelude += `${block.code}\n`;
      continue;
    }
    const path = join(dir, block.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, prelude + block.code);
    placed.set(path, { block, offset: prelude.split('\n').length - 1 });
  }
  return placed;
}

/** `path:line (file): message` lines, for test failures and CLI output. */
export function formatDiagnostics(markdownPath: string, diagnostics: readonly DocDiagnostic[]): string[] {
  const shown = relative(ROOT, markdownPath);
  return diagnostics.map((d) => `${shown}:${d.line} (${d.file}): ${d.message}`);
}

// --- internal ---

let base: ts.CompilerOptions | undefined;

function baseCompilerOptions(): ts.CompilerOptions {
  if (base) return base;
  const configPath = join(ROOT, 'tsconfig.base.json');
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  base = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, configPath).options;
  return base;
}
