#!/usr/bin/env node
// Checks what consumers get from npm, from the packed tarballs only (issue 20, items 5 and 6):
//   1. builds the packages (`npm run build`) and packs each one with pnpm (workspace:^ → real ranges);
//   2. inspects every tarball: LICENSE (the repo's MIT text), metadata, no test files, no README links that
//      break on npm (relative links), then `publint --strict` and `attw`;
//   3. installs the tarballs into three scratch apps (test/consumer-fixtures/: ESM under nodenext, CommonJS
//      under node16, bundler resolution), compiles each with strict tsc (skipLibCheck off, so the shipped
//      d.ts and their type dependencies are checked too) and runs it: HA simulator → WebSocket source →
//      enricher → file sink into a temp dir, then checks the written output.
// Usage: node scripts/consumer-fixtures.mjs [--skip-build] [--keep]
// One npm cache (NPM_CONFIG_CACHE or node_modules/.cache/consumer-fixtures-npm) is reused across runs.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { clearTimeout, setTimeout } from 'node:timers';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const npmCache = process.env['NPM_CONFIG_CACHE'] ?? join(root, 'node_modules', '.cache', 'consumer-fixtures-npm');
const REPOSITORY = 'https://github.com/ha-ingestor/ha-ingestor';
const FIXTURES = ['esm-nodenext', 'cjs-node16', 'bundler'];
// Files that must never ship: tests, type tests, test helpers and fixtures.
const TEST_FILE = /(\.test\.|\.test-d\.|(^|\/)test\/|(^|\/)fixtures\/|test-helpers\.)/;
// attw runs its strict profile (node10, node16 CJS and ESM, bundler) on every entry point, except one
// documented case: @ha-ingestor/core/testing is ESM-only (it imports vitest, which cannot be require()d),
// so it is checked with the esm-only profile (node16 ESM and bundler) instead. See README "Packaging".
const ESM_ONLY_ENTRYPOINTS = { '@ha-ingestor/core': ['./testing'] };

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`  ✗ ${message}`);
};

const work = await mkdtemp(join(tmpdir(), 'ha-ingestor-consumers-'));
const packs = join(work, 'packs');
await mkdir(packs);
try {
  if (!args.has('--skip-build')) {
    section('build');
    await run('npm', ['run', 'build'], { cwd: root, quiet: true });
  }

  section('pack');
  const packageDirs = (await readdir(join(root, 'packages'), { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => join(root, 'packages', d.name));
  await Promise.all(
    packageDirs.map((dir) =>
      run(process.execPath, [join(root, 'scripts', 'pnpm.mjs'), '-C', dir, 'pack', '--pack-destination', packs], {
        cwd: root,
        quiet: true,
      }),
    ),
  );
  const tarballs = new Map();
  for (const dir of packageDirs) {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const file = join(packs, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
    tarballs.set(pkg.name, { file, dir });
  }
  console.log(`  ${tarballs.size} tarballs in ${packs}`);

  section('tarball contents');
  const license = await readFile(join(root, 'LICENSE'), 'utf8');
  await Promise.all([...tarballs].map(([name, { file }]) => checkTarball(name, file, license)));

  // publint/attw and the consumer apps are independent: run them side by side.
  section('publint --strict and attw, beside the consumer apps (install, strict tsc, run)');
  await Promise.all([lintTarballs(tarballs), ...FIXTURES.map((fixture) => checkFixture(fixture, tarballs))]);
} finally {
  if (args.has('--keep')) console.log(`\nkept ${work}`);
  else await rm(work, { recursive: true, force: true });
}

console.log(
  `\n${failures.length === 0 ? 'all package checks passed' : `${failures.length} package check(s) failed`} in ${elapsed()}`,
);
process.exit(failures.length === 0 ? 0 : 1);

// --- internal ---

function section(title) {
  console.log(`\n--- ${title} (+${elapsed()})`);
}

async function lintTarballs(tarballs) {
  const jobs = [...tarballs].flatMap(([name, { file }]) => {
    const esmOnly = ESM_ONLY_ENTRYPOINTS[name] ?? [];
    // --no-definitely-typed: the packages ship their own types, so there is no @types package to look up.
    const attw = [file, '--format', 'ascii', '--no-color', '--no-definitely-typed'];
    return [
      [`publint --strict ${name}`, bin('publint'), ['run', file, '--strict']],
      [`attw ${name}`, bin('attw'), [...attw, ...(esmOnly.length > 0 ? ['--exclude-entrypoints', ...esmOnly] : [])]],
      ...(esmOnly.length > 0
        ? [
            [
              `attw ${name} (esm-only profile: ${esmOnly.join(', ')})`,
              bin('attw'),
              [...attw, '--profile', 'esm-only', '--entrypoints', ...esmOnly],
            ],
          ]
        : []),
    ];
  });
  const results = await Promise.all(
    jobs.map(([label, command, argv]) =>
      run(command, argv, { cwd: work, quiet: true, allowFailure: true }).then((r) => ({ label, ...r })),
    ),
  );
  for (const { label, code, output } of results) {
    // publint prints "All good!" only when it found nothing (--strict turns warnings into errors).
    const clean = code === 0 && (label.startsWith('attw') || /All good!/.test(output));
    if (clean) console.log(`  ✓ ${label}`);
    else fail(`${label} (exit ${code}):\n${output.trim()}`);
  }
}

async function checkTarball(name, file, license) {
  const listing = (await run('tar', ['tzf', file], { cwd: work, quiet: true })).output
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  const problems = [];
  const tests = listing.filter((f) => TEST_FILE.test(f));
  if (tests.length > 0)
    problems.push(
      `ships test files: ${tests.slice(0, 5).join(', ')}${tests.length > 5 ? ` (+${tests.length - 5})` : ''}`,
    );
  const shipped = async (path) =>
    (await run('tar', ['xzOf', file, `package/${path}`], { cwd: work, quiet: true, allowFailure: true })).output;
  if (!listing.includes('LICENSE')) problems.push('no LICENSE');
  else if ((await shipped('LICENSE')) !== license) problems.push('LICENSE differs from the repository LICENSE');
  const pkg = JSON.parse(await shipped('package.json'));
  if (pkg.license !== 'MIT') problems.push(`license is ${pkg.license}, LICENSE is MIT`);
  if (pkg.repository?.url !== `git+${REPOSITORY}.git` || typeof pkg.repository?.directory !== 'string')
    problems.push('repository (with directory) missing');
  for (const key of ['homepage', 'bugs', 'keywords', 'author', 'engines'])
    if (pkg[key] === undefined) problems.push(`no "${key}"`);
  if (JSON.stringify(pkg).includes('workspace:')) problems.push('a workspace: range survived packing');
  // npm shows the README (and a reader the CHANGELOG) without the repository around it: only absolute links
  // and in-page anchors work there.
  for (const doc of ['README.md', 'CHANGELOG.md']) {
    if (!listing.includes(doc)) {
      problems.push(`no ${doc}`);
      continue;
    }
    const text = await shipped(doc);
    const relative = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1])
      .filter((href) => !/^(https?:|mailto:|#)/.test(href));
    if (relative.length > 0) problems.push(`${doc} links that break on npm: ${relative.join(', ')}`);
  }
  if (problems.length === 0)
    console.log(`  ✓ ${name}: ${listing.length} files, LICENSE, metadata, no tests, README/CHANGELOG links absolute`);
  else for (const p of problems) fail(`${name}: ${p}`);
}

async function checkFixture(fixture, tarballs) {
  const t0 = Date.now();
  const app = join(work, 'apps', fixture);
  await cp(join(root, 'test', 'consumer-fixtures', fixture), app, { recursive: true });
  // One check for every app, compiled under each app's own module settings.
  await cp(join(root, 'test', 'consumer-fixtures', 'shared', 'check.ts'), join(app, 'src', 'check.ts'));
  const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8'));
  pkg.dependencies = Object.fromEntries([...tarballs].map(([name, { file }]) => [name, `file:${file}`]));
  pkg.dependencies['zod'] = '^4.1.0';
  pkg.devDependencies = { '@types/node': '^20.19.0' };
  await writeFile(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const steps = [
    [
      'npm install',
      'npm',
      ['install', '--cache', npmCache, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    ],
    [
      'tsc (strict, skipLibCheck off)',
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    ],
    ['run', process.execPath, ['dist/main.js']],
  ];
  for (const [label, command, argv] of steps) {
    const result = await run(command, argv, { cwd: app, quiet: true, allowFailure: true, timeoutMs: 120_000 });
    if (result.code !== 0) {
      fail(`${fixture}: ${label} failed (exit ${result.code}):\n${result.output.trim()}`);
      return;
    }
    if (label === 'run')
      console.log(`  ✓ ${result.output.trim().split('\n').at(-1)} [${((Date.now() - t0) / 1000).toFixed(1)}s]`);
  }
}

/** Runs a command; resolves { code, output } (stdout + stderr). Rejects on a non-zero exit unless allowFailure. */
function run(command, argv, { cwd, quiet = false, allowFailure = false, timeoutMs = 600_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd,
      env: { ...process.env, npm_config_cache: npmCache, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code: code ?? 1, output };
      if (result.code !== 0 && !allowFailure)
        reject(new Error(`${command} ${argv.join(' ')} exited ${result.code}:\n${output}`));
      else resolve(result);
    });
  });
}
