// Regenerates the options tables in every package README from the zod schemas (see options-docs.ts).
// `pnpm docs` rewrites them; `pnpm docs --check` exits 1 when a README is out of date.
import { readFile, writeFile } from 'node:fs/promises';
import { readmeFiles, renderReadme } from './options-docs.js';

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const file of readmeFiles(process.cwd())) {
  const text = await readFile(file, 'utf8');
  const next = await renderReadme(text);
  if (next === text) continue;
  if (check) stale.push(file);
  else await writeFile(file, next);
}
if (stale.length > 0) {
  console.error(`options tables out of date (run pnpm docs): ${stale.join(', ')}`);
  process.exit(1);
}
