// Issue 20: the changesets config must keep up with the workspace. Packages are matched by name, so a new
// package (or a renamed example) would silently be released, or silently not, without these checks.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listEntryPoints } from './api-report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Manifest {
  readonly name: string;
  readonly private?: boolean;
}
interface ChangesetConfig {
  readonly fixed: readonly (readonly string[])[];
  readonly ignore: readonly string[];
}

const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8')) as ChangesetConfig;
const workspace = (folder: string): { dir: string; manifest: Manifest }[] =>
  readdirSync(join(root, folder))
    .map((name) => join(root, folder, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest }));
// changesets matches with micromatch; the config only needs `*` (no `/` inside a segment).
const matches = (name: string, globs: readonly string[]): boolean =>
  globs.some((glob) =>
    new RegExp(
      `^${glob
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
        .join('[^/]*')}$`,
    ).test(name),
  );

describe('release configuration (.changeset/config.json)', () => {
  it.each(workspace('packages').map((p) => [p.manifest.name, p] as const))(
    '%s is released in the fixed group with a CHANGELOG.md and API reports',
    (_name, { dir, manifest }) => {
      expect(manifest.private, 'packages/* are published').not.toBe(true);
      expect(matches(manifest.name, config.fixed.flat())).toBe(true);
      expect(matches(manifest.name, config.ignore)).toBe(false);
      expect(existsSync(join(dir, 'CHANGELOG.md'))).toBe(true);
      expect(listEntryPoints().some((entry) => entry.packageName === manifest.name)).toBe(true);
    },
  );

  it.each(workspace('examples').map((p) => [p.manifest.name, p] as const))(
    'example %s is never released (private or ignored)',
    (_name, { manifest }) => {
      expect(
        manifest.private === true || matches(manifest.name, config.ignore),
        `add "${manifest.name}" to "ignore" in .changeset/config.json or make it private`,
      ).toBe(true);
      expect(matches(manifest.name, config.fixed.flat())).toBe(false);
    },
  );
});
