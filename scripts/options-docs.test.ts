import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readmeFiles, renderReadme } from './options-docs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('package READMEs', () => {
  const files = readmeFiles(root);
  it('every package has a README with at least one generated options table', async () => {
    for (const pkg of [
      'core',
      'source-ws',
      'ha-simulator',
      'source-mqtt',
      'sink-influx',
      'sink-mqtt',
      'sink-webhook',
      'sink-parquet',
      'transport-nats',
      'enrichers',
    ]) {
      const text = await readFile(join(root, 'packages', pkg, 'README.md'), 'utf8');
      expect(text, pkg).toMatch(/<!-- options:@ha-ingestor\/[a-z-]+#\w+ -->\n\| option \|/);
    }
  });
  it.each(files.map((f) => [relative(root, f), f]))(
    '%s has options tables in sync with the schemas (pnpm docs)',
    async (_name, file) => {
      const text = await readFile(file, 'utf8');
      expect(await renderReadme(text)).toBe(text);
    },
  );
});
