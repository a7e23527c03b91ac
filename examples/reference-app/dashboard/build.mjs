#!/usr/bin/env node
// Builds the web dashboard (issue 15) into dist/dashboard/: index.html, app.js and app.css (uPlot and our
// TypeScript bundled and minified by esbuild), each also gzipped (.gz) so the server sends them
// compressed. Fails when the page's total gzipped transfer passes BUDGET_BYTES: the issue caps it at
// 100 kB, and this is where a new dependency would show up first.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 100 * 1000;
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'dashboard');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(here, 'src', 'main.ts') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: out,
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));

let total = 0;
const sizes = [];
for (const name of ['index.html', 'app.js', 'app.css']) {
  const plain = readFileSync(join(out, name));
  const gz = gzipSync(plain, { level: 9 });
  writeFileSync(join(out, `${name}.gz`), gz);
  total += gz.length;
  sizes.push(`${name} ${(plain.length / 1000).toFixed(1)} kB (${(gz.length / 1000).toFixed(1)} kB gzipped)`);
}
const line = `dashboard: ${sizes.join(', ')}; total ${(total / 1000).toFixed(1)} kB gzipped (budget ${BUDGET_BYTES / 1000} kB)`;
if (total > BUDGET_BYTES) {
  console.error(`${line}: over budget`);
  process.exit(1);
}
console.log(line);
