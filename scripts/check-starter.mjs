#!/usr/bin/env node
// Proves the plugin starter's copy-out story outside the workspace (issue 20, item 9), the way a third
// party meets it: only packed tarballs and the npm registry, no workspace links, no `source` condition.
//
//  1. builds @ha-ingestor/core and examples/enricher-plugin, packs both (`pnpm pack`, which also turns the
//     starter's `workspace:*` into a version);
//  2. scratch app: a temp dir outside the workspace installs the two tarballs + zod, compiles a strict
//     TypeScript pipeline (a tiny source → the plugin → core's file sink and a typed sink) and runs it,
//     then checks the NDJSON file;
//  3. copy-out: copies the starter's folder as its README says, renames it, points core at the tarball,
//     and runs `npm install`, `npm run typecheck`, `npm test`, `npm run build`, `npm pack --dry-run`.
//
// Usage: node scripts/check-starter.mjs [--keep]   (--keep leaves the temp dir for a look afterwards)
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STARTER = 'examples/enricher-plugin';
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'ha-ingestor-starter-'));
const started = Date.now();
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

/**
 * Packs workspace packages with `pnpm pack` into `dest` and returns the tarball paths, in order. The one
 * place this script packs (consumer fixtures pack the same way; keep them mergeable).
 * @param {string[]} dirs package folders relative to the repository root
 * @param {string} dest
 * @returns {Promise<string[]>}
 */
async function packTarballs(dirs, dest) {
  mkdirSync(dest, { recursive: true });
  const files = [];
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    await pnpm(['-C', dir, 'pack', '--pack-destination', dest]);
    // pnpm's file name: the scope without `@`, `/` → `-`, then the version.
    const file = join(dest, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
    if (!existsSync(file)) throw new Error(`pnpm pack of ${dir} did not write ${file}`);
    files.push(file);
  }
  return files;
}

/** @returns {Promise<string[]>} what it checked, for the log */
async function scratchApp(coreTgz, pluginTgz) {
  const app = join(work, 'scratch-app');
  mkdirSync(join(app, 'src'), { recursive: true });
  writeJson(join(app, 'package.json'), { name: 'scratch-app', private: true, type: 'module' });
  writeJson(join(app, 'tsconfig.json'), {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      outDir: 'dist',
      rootDir: 'src',
    },
    include: ['src'],
  });
  writeFileSync(join(app, 'src', 'main.ts'), SCRATCH_MAIN);
  await npm(app, [
    'install',
    ...NPM_QUIET,
    coreTgz,
    pluginTgz,
    'zod@^4.1.0',
    'typescript@~5.9.3',
    '@types/node@^20.19.0',
  ]);
  await npm(app, ['exec', '--', 'tsc', '-p', 'tsconfig.json']);
  const out = join(app, 'out');
  const printed = await run(process.execPath, ['dist/main.js', out], app);
  const files = readdirSync(out).filter((f) => f.endsWith('.ndjson'));
  const lines = files
    .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l));
  const got = lines.map((e) => `${e.entity_id} holiday=${e.holiday} ${e.holiday_name ?? '-'}`);
  const want = ['sensor.outside holiday=true Nieuwjaarsdag', 'sensor.outside holiday=false -'];
  if (JSON.stringify(got) !== JSON.stringify(want))
    throw new Error(`file sink wrote ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  // The CommonJS build of both packages loads too (a Node 20 CJS app cannot require() ESM).
  await run(process.execPath, ['-e', CJS_CHECK], app);
  return [printed.trim(), `file sink wrote: ${got.join(' | ')}`, 'require() of core and the plugin (CommonJS) works'];
}

/** @returns {Promise<string[]>} what it checked, for the log */
async function copyOut(coreTgz) {
  const copy = join(work, 'my-enricher');
  cpSync(join(root, STARTER), copy, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });
  const pkg = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8'));
  // The README's "make it yours" steps: a new name, and a version range for core instead of workspace:*.
  pkg.name = '@your-scope/ha-ingestor-enricher-example';
  pkg.devDependencies['@ha-ingestor/core'] = `file:${coreTgz}`;
  writeJson(join(copy, 'package.json'), pkg);
  await npm(copy, ['install', ...NPM_QUIET]);
  await npm(copy, ['run', 'typecheck']);
  const tested = await npm(copy, ['test']);
  await npm(copy, ['run', 'build']);
  const packed = JSON.parse(await npm(copy, ['pack', '--dry-run', '--json', '--loglevel=error']));
  const files = packed[0].files.map((f) => f.path).sort();
  for (const need of [
    'dist/index.js',
    'dist/index.cjs',
    'dist/index.d.ts',
    'dist/index.d.cts',
    'README.md',
    'package.json',
  ]) {
    if (!files.includes(need)) throw new Error(`the packed starter lacks ${need}: ${files.join(', ')}`);
  }
  const extra = files.filter((f) => /\.test\./.test(f) || f.startsWith('src/'));
  if (extra.length > 0) throw new Error(`the packed starter ships sources or tests: ${extra.join(', ')}`);
  const summary = tested
    .split('\n')
    .filter((l) => /Tests\s/.test(l))
    .map((l) => l.trim());
  return [`npm test: ${summary.join(' ') || 'passed'}`, `tarball: ${files.join(', ')}`];
}

async function main() {
  try {
    await step('build @ha-ingestor/core and the starter', async () => {
      await pnpm(['-C', 'packages/core', 'run', 'build']);
      await pnpm(['-C', STARTER, 'run', 'build']);
      return [];
    });
    const [coreTgz, pluginTgz] = await step('pack', () =>
      packTarballs(['packages/core', STARTER], join(work, 'tarballs')),
    );
    // Independent of each other: run together (both mostly wait for the registry and tsc).
    await Promise.all([
      step('scratch app: the tarballs installed, a pipeline compiled and run', () => scratchApp(coreTgz, pluginTgz)),
      step('copy-out: the starter copied, renamed, installed, type-checked, tested, built, packed', () =>
        copyOut(coreTgz),
      ),
    ]);
    console.log(`check-starter: ok in ${seconds(started)} s`);
    if (!keep) rmSync(work, { recursive: true, force: true });
  } catch (error) {
    console.error(
      `check-starter: FAILED after ${seconds(started)} s: ${error instanceof Error ? error.message : String(error)}`,
    );
    console.error(`work dir kept for inspection: ${work}`);
    process.exitCode = 1;
  }
}

// --- internal ---

/** Runs one phase; when it is done, prints its title, its time and the lines it returns. */
async function step(title, fn) {
  const t = Date.now();
  const result = await fn();
  console.log([`--- ${title}: ${seconds(t)} s`, ...result.map((line) => `    ${line}`)].join('\n'));
  return result;
}

function pnpm(args) {
  return run(process.execPath, [join(root, 'scripts', 'pnpm.mjs'), ...args], root);
}

function npm(cwd, args) {
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd);
}

/** Runs a command with its output captured; resolves with stdout, or rejects showing all of its output. */
function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else
        reject(new Error(`${[command, ...args].join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}${stderr}`));
    });
  });
}

function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function seconds(since) {
  return ((Date.now() - since) / 1000).toFixed(1);
}

// A consumer's app, compiled strict against the tarballs' d.ts: the typed sink proves that the plugin's
// added fields reach a sink's input type.
const SCRATCH_MAIN = `import { eventKey, pipeline, type Sink, type Source, type StateChangedEvent } from '@ha-ingestor/core';
import { fileSink } from '@ha-ingestor/core/file-sink';
import { publicHolidays } from 'ha-ingestor-enricher-public-holidays';

const at = (iso: string): StateChangedEvent => {
  const time = Date.parse(iso) * 1000;
  return {
    event_type: 'state_changed', entity_id: 'sensor.outside', domain: 'sensor', object_id: 'outside',
    state: '4.5', attributes: {}, last_changed: time, last_updated: time, time_fired: time, old_state: null,
    context: null, provenance: { source: 'scratch', mode: 'import', receivedAt: time },
    key: eventKey({ event_type: 'state_changed', entity_id: 'sensor.outside', time }),
  };
};
const source: Source<StateChangedEvent> = {
  kind: 'source',
  name: 'scratch',
  run: async ({ emitBatch }) => emitBatch([at('2026-01-01T09:00:00Z'), at('2026-01-02T09:00:00Z')]),
};
const seen: string[] = [];
const holidays: Sink<{ readonly key: string; readonly holiday: boolean; readonly holiday_name?: string | undefined }> = {
  kind: 'sink',
  name: 'holidays',
  write: async (batch) => { for (const e of batch) seen.push(e.holiday_name ?? 'working day'); },
};

const p = pipeline(source)
  .use(publicHolidays({ country: 'NL', timeZone: 'Europe/Amsterdam' }))
  .to(fileSink({ dir: process.argv[2] ?? './out' }), { batch: { maxSize: 10, maxWaitMs: 10 } })
  .to(holidays, { batch: { maxSize: 10, maxWaitMs: 10 } })
  .build();
await p.start();
await p.idle();
const stats = await p.stop();
console.log('  stats', JSON.stringify({ received: stats.received, written: stats.written }), 'typed sink saw', seen.join(', '));
if (seen.join() !== 'Nieuwjaarsdag,working day') process.exit(1);
`;

const CJS_CHECK = `const core = require('@ha-ingestor/core');
const plugin = require('ha-ingestor-enricher-public-holidays');
const e = plugin.publicHolidays({ country: 'DE', timeZone: 'UTC' });
if (typeof core.pipeline !== 'function' || e.kind !== 'enricher') process.exit(1);
console.log('  CommonJS: require() of core and the plugin works');`;

await main();
