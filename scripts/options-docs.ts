// Options tables in package READMEs are generated from the zod schemas, so docs cannot drift.
// A README marks a table with
//   <!-- options:@ha-ingestor/sink-influx#InfluxSinkOptionsSchema -->
//   …generated table…
//   <!-- /options -->
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { optionsTable } from '@ha-ingestor/core';
import type { z } from 'zod';

const MARKER_RE = /<!-- options:([^#\s]+)#(\w+) -->[\s\S]*?<!-- \/options -->/g;

/** Returns the README text with every marked options table regenerated. */
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

/** Every package and example README under `root`, plus markdown files in their `docs/` folders. */
export function readmeFiles(root: string): string[] {
  return ['packages', 'examples'].flatMap((dir) =>
    readdirSync(join(root, dir)).flatMap((name) => {
      const pkg = join(root, dir, name);
      const docs = join(pkg, 'docs');
      const extra = existsSync(docs)
        ? readdirSync(docs)
            .filter((f) => f.endsWith('.md'))
            .map((f) => join(docs, f))
        : [];
      return [join(pkg, 'README.md'), ...extra].filter((file) => existsSync(file));
    }),
  );
}
