/**
 * API reports (issue 20): one api-extractor report per published entry point, generated from the BUILT
 * declarations (`dist/*.d.ts`, what consumers compile against) into `packages/<dir>/api/<entry>.api.md`.
 *
 *   npm run api:report   build every package, then rewrite the reports (commit them with the change)
 *   npm run api:check    compare fresh reports with the committed ones; on drift print the diff and fail
 *
 * The entry points come from each package.json `exports` map, so a new subpath (or a new package under
 * packages/) gets its report without touching this file. The output depends only on the d.ts, never on time,
 * paths or ordering of the file system, so after merging branches `npm run api:report` is the one command.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import type { IConfigFile, ExtractorMessage } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPORT_DIR = 'api';
const FIX = 'npm run api:report';

/** One published entry point: `@ha-ingestor/core/testing` → packages/core/dist/testing/index.d.ts. */
export interface EntryPoint {
  readonly packageDir: string;
  readonly packageName: string;
  /** The `exports` key: `.` or `./testing`. */
  readonly subpath: string;
  /** The import specifier a consumer writes. */
  readonly specifier: string;
  /** Absolute path of the ESM declaration file. */
  readonly types: string;
  /** Absolute path of the TypeScript source (the `source` condition). */
  readonly source: string;
  /** Report file name without extension: `index`, `testing`, `presets-openweathermap`. */
  readonly reportName: string;
}

interface PackageJson {
  readonly name: string;
  readonly private?: boolean;
  readonly exports?: Record<string, { source?: string; types?: string; import?: { types?: string } | string }>;
}

/** Every entry point of every published (non-private) package under packages/, sorted. */
export function listEntryPoints(): EntryPoint[] {
  const entries: EntryPoint[] = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const packageDir = join(root, 'packages', dir);
    const manifestPath = join(packageDir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PackageJson;
    if (manifest.private === true) continue;
    for (const [subpath, target] of Object.entries(manifest.exports ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (subpath.includes('*') || subpath === './package.json') continue;
      const types = (typeof target.import === 'object' ? target.import.types : undefined) ?? target.types;
      const source = target.source;
      if (types === undefined || source === undefined) {
        throw new Error(
          `${manifest.name}: exports["${subpath}"] needs "source" and "import.types" (or "types") for the API report`,
        );
      }
      entries.push({
        packageDir,
        packageName: manifest.name,
        subpath,
        specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
        types: join(packageDir, types),
        source: join(packageDir, source),
        reportName: subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-'),
      });
    }
  }
  return entries;
}

// --- internal ---

function main(): void {
  const mode = process.argv[2];
  if (mode !== 'report' && mode !== 'check') {
    console.error('usage: tsx scripts/api-report.ts report|check');
    process.exit(2);
  }
  if (mode === 'report' && !process.argv.includes('--no-build')) run('npm', ['run', 'build']);

  const entries = listEntryPoints();
  const problems = [...entries.flatMap(checkBuilt), ...entries.flatMap(checkInternalStripped)];
  if (problems.length > 0) fail(problems.join('\n'));

  const out = mkdtempSync(join(tmpdir(), 'api-report-'));
  try {
    const started = Date.now();
    // One TypeScript program per package, shared by its entry points (a program per entry took 3x longer).
    for (const packageDir of new Set(entries.map((entry) => entry.packageDir))) {
      const own = entries.filter((entry) => entry.packageDir === packageDir);
      let compilerState: CompilerState | undefined;
      for (const entry of own) {
        const config = prepare(entry, own, join(out, relative(root, packageDir)));
        compilerState ??= CompilerState.create(config, { additionalEntryPoints: own.map((e) => e.types) });
        extract(entry, config, compilerState);
      }
    }
    console.log(`api-report: ${entries.length} entry points in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    if (mode === 'report') writeReports(entries, out);
    else checkReports(entries, out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The report describes dist/, so dist/ must exist and be newer than every source file it was built from. */
function checkBuilt(entry: EntryPoint): string[] {
  if (!existsSync(entry.types))
    return [`${relative(root, entry.types)} is missing: run \`npm run build\` first (or \`${FIX}\`).`];
  const newestSource = newestMtime(join(entry.packageDir, 'src'));
  if (newestSource > statSync(entry.types).mtimeMs) {
    return [
      `${relative(root, entry.types)} is older than ${relative(root, entry.packageDir)}/src: run \`npm run build\` first.`,
    ];
  }
  return [];
}

/** `@internal` declarations are removed from the shipped d.ts (`stripInternal` in tsconfig.base.json). */
function checkInternalStripped(entry: EntryPoint): string[] {
  const dist = dirname(entry.types);
  return listFiles(dist)
    .filter((file) => /\.d\.c?ts$/.test(file) && /@internal\b/.test(readFileSync(file, 'utf8')))
    .map((file) => `${relative(root, file)} still contains an @internal declaration: stripInternal did not apply.`);
}

function prepare(entry: EntryPoint, siblings: readonly EntryPoint[], outDir: string): ExtractorConfig {
  mkdirSync(outDir, { recursive: true });
  const configObject: IConfigFile = {
    projectFolder: entry.packageDir,
    mainEntryPointFilePath: entry.types,
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023'],
          types: ['node'],
          strict: true,
          skipLibCheck: true,
        },
        files: siblings.map((sibling) => sibling.types),
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: entry.reportName,
      reportFolder: outDir,
      reportTempFolder: outDir,
      // Forgotten exports are printed too: a type reachable from the API but not exported is still API.
      includeForgottenExports: true,
      tagsToReport: {
        '@sealed': true,
        '@virtual': true,
        '@override': true,
        '@eventProperty': true,
        '@deprecated': true,
        '@experimental': true,
      },
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages: {
      // Release tags are opt-in here (@experimental/@beta/@internal); untagged means public.
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
        'ae-unresolved-link': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
        // Doc coverage is enforced by lint and TypeDoc; "(undocumented)" markers stay inline in the report.
        'ae-undocumented': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
      },
      // TSDoc syntax is TypeDoc's and the linter's concern (`npm run docs:api`), not the report's.
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
    },
  };
  return ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: undefined,
    packageJsonFullPath: join(entry.packageDir, 'package.json'),
  });
}

function extract(entry: EntryPoint, config: ExtractorConfig, compilerState: CompilerState): void {
  const outDir = config.reportFolder;
  const messages: string[] = [];
  const result = Extractor.invoke(config, {
    localBuild: true,
    compilerState,
    showVerboseMessages: false,
    messageCallback: (message: ExtractorMessage) => {
      if (message.logLevel === ExtractorLogLevel.Error || message.logLevel === ExtractorLogLevel.Warning) {
        messages.push(
          `${message.sourceFilePath ?? ''}:${message.sourceFileLine ?? ''} ${message.messageId}: ${message.text}`,
        );
      }
      message.handled = true;
    },
  });
  if (!result.succeeded || messages.length > 0) {
    fail(`api-extractor failed for ${entry.specifier}:\n${messages.join('\n')}`);
  }
  // api-extractor heads the report with the unscoped package name; name the entry point instead. Messages it
  // cannot attach to a declaration carry a d.ts path and line (`dist/polled-context-Dx0EAbrg.d.ts:138:5`),
  // which move with any edit and name tsup's hashed chunks: keep the message, drop the location.
  const file = join(outDir, `${entry.reportName}.api.md`);
  const text = readFileSync(file, 'utf8')
    .replace(/^## API Report File for "[^"]*"/m, `## API Report File for "${entry.specifier}"`)
    .replace(/^(\s*)\/\/ \S+\.d\.c?ts:\d+:\d+ - \((ae-[a-z-]+)\)/gm, '$1// Warning: ($2)');
  writeFileSync(file, sortEnumMembers(text));
}

/**
 * TypeScript prints a zod enum's `{ a: "a"; b: "b" }` members in the order it first created those string
 * literal types anywhere in the program, so an unrelated edit can reorder them. The order carries no meaning
 * (it is an object type), so the report lists them sorted: a report changes only when the API does.
 */
export function sortEnumMembers(text: string): string {
  return text.replace(
    /(ZodEnum<\{\n)((?:[ \t]+[^\n:{}]+: "[^"\n]*";\n)+)/g,
    (_all, head: string, members: string) =>
      head +
      members
        .split('\n')
        .filter((line) => line !== '')
        .sort()
        .map((line) => `${line}\n`)
        .join(''),
  );
}

function writeReports(entries: readonly EntryPoint[], out: string): void {
  for (const packageDir of new Set(entries.map((entry) => entry.packageDir))) {
    const target = join(packageDir, REPORT_DIR);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    for (const entry of entries.filter((e) => e.packageDir === packageDir)) {
      const name = `${entry.reportName}.api.md`;
      writeFileSync(join(target, name), readFileSync(join(out, relative(root, packageDir), name)));
    }
  }
  console.log(`api-report: wrote ${entries.length} reports under packages/*/${REPORT_DIR}/`);
}

function checkReports(entries: readonly EntryPoint[], out: string): void {
  const drift: string[] = [];
  const expected = new Set<string>();
  for (const entry of entries) {
    const name = `${entry.reportName}.api.md`;
    const committed = join(entry.packageDir, REPORT_DIR, name);
    const fresh = join(out, relative(root, entry.packageDir), name);
    expected.add(committed);
    if (!existsSync(committed)) {
      drift.push(`${relative(root, committed)}: missing (new entry point ${entry.specifier})`);
      continue;
    }
    if (readFileSync(committed, 'utf8') !== readFileSync(fresh, 'utf8')) {
      // git diff --no-index exits 1 on a difference; its output is the point.
      const shown = relative(root, committed);
      const diff = spawnSync('git', ['diff', '--no-index', '--no-color', '--', committed, fresh], { encoding: 'utf8' });
      const text = diff.stdout.replaceAll(fresh.slice(1), shown).replaceAll(committed.slice(1), shown);
      drift.push(`${shown}: differs from the built d.ts (- committed, + built)\n${text}`);
    }
  }
  for (const packageDir of new Set(entries.map((entry) => entry.packageDir))) {
    const dir = join(packageDir, REPORT_DIR);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (!expected.has(file)) drift.push(`${relative(root, file)}: no such entry point any more`);
    }
  }
  if (drift.length > 0) {
    fail(
      `The public API changed but its report did not:\n\n${drift.join('\n')}\n` +
        `If the change is intended, run \`${FIX}\`, commit packages/*/${REPORT_DIR}/*.api.md with it ` +
        'and add a changeset (`npx changeset`) saying what changed; see docs/VERSIONING.md.',
    );
  }
  console.log(`api-check: ${entries.length} reports match the built d.ts`);
}

function newestMtime(dir: string): number {
  return listFiles(dir).reduce((newest, file) => Math.max(newest, statSync(file).mtimeMs), 0);
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((dirent) => dirent.isFile())
    .map((dirent) => join(dirent.parentPath, dirent.name));
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
