#!/usr/bin/env node
// Checks the reference app's built bundle (examples/reference-app/dist) against its package.json:
//  - every bare import left external is a Node built-in or a declared `dependencies` entry (with a range),
//  - every declared dependency is imported by the bundle (the list stays exact),
//  - no @ha-ingestor/* import is left external (they are bundled: the tarball must not need them),
//  - the demo-only modules (aedes) and the packages loaded only when configured (mqtt, @nats-io/*,
//    hyparquet-writer: issue 14, memory) are reachable only through a dynamic import, never from the static graph.
// Reads the bundle's import graph with esbuild's metafile (the esbuild tsup uses), so multi-line and
// dynamic imports are all seen. `node scripts/check-app-bundle.mjs [appDir]` exits 1 with the problems listed.
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_APP_DIR = join(root, 'examples', 'reference-app');
/** Loaded by `demo` only: must never be a static import of the CLI entry. */
export const DEMO_ONLY = ['aedes'];
/**
 * Loaded only when the configuration uses them (MQTT_URL / MQTT_SINK_URL, INGESTOR_ROLE=edge/writer,
 * PARQUET_DIR or a Parquet export): must never be a static import of the CLI entry either (issue 14, memory).
 */
export const CONFIGURED_ONLY = ['mqtt', '@nats-io/jetstream', '@nats-io/transport-node', 'hyparquet-writer'];

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function loadEsbuild() {
  // esbuild is tsup's (and tsx's) dependency, not the root's.
  const fromRoot = createRequire(join(root, 'package.json'));
  return createRequire(fromRoot.resolve('tsup/package.json'))('esbuild');
}

/**
 * Analyses `<appDir>/dist/<entry>`. Returns the external packages (name → importing files), the static
 * externals of the entry, and `problems` (empty when the bundle and package.json agree).
 */
export async function checkAppBundle(appDir = DEFAULT_APP_DIR, entry = 'cli.js') {
  const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
  const declared = manifest.dependencies ?? {};
  const entryPath = resolve(appDir, 'dist', entry);
  const result = await loadEsbuild().build({
    entryPoints: [entryPath],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const inputs = result.metafile.inputs;
  const key = (file) => relative(process.cwd(), file).split('\\').join('/');
  const fileOf = (inputKey) => resolve(process.cwd(), inputKey);

  /** package → files that import it */
  const externals = new Map();
  for (const [file, input] of Object.entries(inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || builtins.has(imp.path)) continue;
      const name = packageNameOf(imp.path);
      const files = externals.get(name) ?? new Set();
      files.add(relative(appDir, fileOf(file)));
      externals.set(name, files);
    }
  }

  // Static graph from the entry: follow `import` statements, not `import()`.
  const staticExternals = new Set();
  const seen = new Set();
  const queue = [key(entryPath)];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imp of inputs[file]?.imports ?? []) {
      if (imp.kind !== 'import-statement' && imp.kind !== 'require-call') continue;
      if (imp.external) {
        if (!builtins.has(imp.path)) staticExternals.add(packageNameOf(imp.path));
      } else queue.push(imp.path);
    }
  }

  const problems = [];
  for (const [name, files] of externals) {
    if (name.startsWith('@ha-ingestor/')) {
      problems.push(`${name} is imported by ${[...files].join(', ')} but must be bundled (noExternal)`);
    } else if (!(name in declared)) {
      problems.push(`${name} is imported by ${[...files].join(', ')} but is not in "dependencies" of package.json`);
    } else if (!/^[\^~]?\d/.test(String(declared[name]))) {
      problems.push(`dependency ${name} has the range "${declared[name]}": use a registry range such as ^1.2.3`);
    }
  }
  for (const name of Object.keys(declared)) {
    if (!externals.has(name)) problems.push(`dependency ${name} is declared but the bundle never imports it`);
  }
  for (const name of DEMO_ONLY) {
    if (staticExternals.has(name)) problems.push(`${name} is demo-only but is statically imported from ${entry}`);
  }
  for (const name of CONFIGURED_ONLY) {
    if (staticExternals.has(name))
      problems.push(`${name} is loaded only when configured but is statically imported from ${entry}`);
  }
  return { externals, staticExternals, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const appDir = resolve(process.argv[2] ?? DEFAULT_APP_DIR);
  const { externals, problems } = await checkAppBundle(appDir);
  if (problems.length > 0) {
    console.error(`check-app-bundle: ${problems.length} problem(s) in ${relative(root, appDir)}/dist:`);
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  console.error(
    `check-app-bundle: ok (${externals.size} external packages, all declared: ${[...externals.keys()].sort().join(', ')})`,
  );
}
