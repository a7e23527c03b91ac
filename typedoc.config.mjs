// API reference (issue 20): `pnpm docs:api` → docs/api/ (gitignored). One module per published entry point,
// taken from each package's `exports` map (its `source` condition), so new subpaths appear without editing
// this file. Warnings are errors: an undocumented export, a broken {@link} or a type that is reachable from
// the API but exported nowhere fails the build.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** `<package>:<source file>` of every entry point of every published package → the specifier users import. */
const modules = {};
const entryPoints = [];
const packageNames = [];
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const manifestPath = join(root, 'packages', dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private === true) continue;
  packageNames.push(manifest.name);
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target?.source !== 'string') continue;
    entryPoints.push(join(root, 'packages', dir, target.source));
    modules[`${manifest.name}:${target.source.replace(/^\.\//, '')}`] =
      subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
  }
}

/** @type {Partial<import('typedoc').TypeDocOptions> & { haIngestorModules: Record<string, string> }} */
export default {
  name: 'ha-ingestor API reference',
  entryPoints: entryPoints.sort(),
  entryPointStrategy: 'resolve',
  tsconfig: './tsconfig.typedoc.json',
  out: 'docs/api',
  readme: 'none',
  plugin: ['./scripts/typedoc-module-names.mjs'],
  haIngestorModules: modules,
  excludeInternal: true,
  excludePrivate: true,
  excludeExternals: true,
  disableSources: true,
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  validation: {
    invalidLink: true,
    notExported: true,
    notDocumented: true,
    rewrittenLink: true,
    unusedMergeModuleWith: true,
  },
  // Top-level declarations must be documented; members (interface properties, parameters) are encouraged.
  packagesRequiringDocumentation: packageNames,
  requiredToBeDocumented: ['Enum', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias'],
  sort: ['kind', 'alphabetical'],
};
