#!/usr/bin/env node
// Puts an `npm pack` tarball of the reference app into the add-on folder (or the folder given), so the
// add-on image can be built before that version of `ha-ingestor` is on the npm registry: the add-on's
// install-app.sh prefers a ha-ingestor*.tgz in its folder (the Supervisor's build context) over npm.
//
//   node examples/reference-app/deploy/pack-addon.mjs [folder]
//
// Older tarballs in the folder are removed first (install-app.sh refuses to guess between two).
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const appDir = join(here, '..');
const target = resolve(process.argv[2] ?? join(here, 'ha-addon'));

for (const name of readdirSync(target)) {
  if (/^ha-ingestor.*\.tgz$/.test(name)) rmSync(join(target, name));
}
// npm (not pnpm) pack: it runs the package's own prepack/prepare scripts, which build the app.
const out = execFileSync('npm', ['pack', '--json', '--pack-destination', target], {
  cwd: appDir,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [packed] = /** @type {{ filename: string, version: string }[]} */ (JSON.parse(out));
if (packed === undefined) throw new Error('npm pack reported no tarball');
process.stdout.write(`${join(target, packed.filename)}\n`);
