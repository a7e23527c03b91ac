// Regenerates the options tables in every package README from the zod schemas, so docs cannot drift.
// A README marks a table with
//   <!-- options:@ha-ingestor/sink-influx#InfluxSinkOptionsSchema -->
//   …generated table…
//   <!-- /options -->
// Run `pnpm docs` to rewrite; `pnpm docs --check` exits 1 when a README is out of date.
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { optionsTable } from '@ha-ingestor/core';
import type { z } from 'zod';

const MARKER_RE = /<!-- options:([^#\s]+)#(\w+) -->[\s\S]*?<!-- \/options -->/g;

export async function renderReadme(text: string): Promise<string> {
  let out = text;
  for (const match of text.matchAll(MARKER_RE)) {
    const [whole, specifier, exportName] = match as unknown as [string, string, string];
    const mod = (await import(specifier)) as Record<string, unknown>;
    const schema = mod[exportName] as z.ZodType | undefined;
    if (!schema) throw new Error(`${specifier} has no export ${exportName}`);
    out = out.replace(whole, `<!-- options:${specifier}#${exportName} -->\n${optionsTable(schema)}\n<!-- /options -->`);
  }
  return out;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const files = ['packages', 'examples'].flatMap((dir) =>
    readdirSync(dir).map((name) => `${dir}/${name}/README.md`).filter((file) => existsSync(file)),
  );
  const stale: string[] = [];
  for (const file of files) {
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
}

await main();
