import { defineConfig } from 'tsup';

// The service as built JavaScript (issue 13): one ESM bundle of the CLI. The workspace packages
// (@ha-ingestor/*) are bundled from their TypeScript sources (`source` condition), so the app's tarball
// never depends on unpublished packages and needs no package build first; every other bare import stays
// external and must be a declared dependency (scripts/check-app-bundle.mjs checks that).
// `splitting` keeps the demo (dynamically imported) in its own chunk, so `run` never loads it.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: true,
  dts: false,
  noExternal: [/^@ha-ingestor\//],
  external: [/^(?!@ha-ingestor\/)[^./]/],
  esbuildOptions(options) {
    options.conditions = ['source'];
  },
});
